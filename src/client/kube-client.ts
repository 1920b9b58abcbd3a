import { existsSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { isCapstanError, type Kind, type KubeObject, type PartialObjectMetadata } from '../core/index.ts';
import { withScopedSignal } from '../internal/scoped-signal.ts';
import { ApiError, ClientError, type StatusBody } from './api-error.ts';
import { type CredentialMaterial, type Credentials, StaticCredentials } from './credentials.ts';
import { type ConnectionConfig, defaultKubeconfigPath, loadInCluster, loadKubeconfig } from './kubeconfig.ts';
import { prometheusRequestMetrics, type RequestMetrics } from './request-metrics.ts';
import { rejectOnAbort } from './reject-on-abort.ts';
import { ResourceClient } from './resource-client.ts';
import { Agent, buildConnector, type ResponseData, request as undiciRequest } from './undici-parts.ts';

/**
 * Options of a single API request.
 *
 * @noExample Options of {@link KubeClient.request} and {@link KubeClient.stream}; their examples show them in use.
 */
export interface RequestOptions {
  /** The HTTP method; `GET` by default. */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, such as `/api/v1/namespaces/default/configmaps`. */
  path: string;
  /** Query parameters; those `undefined` are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON (for `application/apply-patch+yaml`, as JSON that a YAML parser reads back the same). */
  body?: unknown;
  /** Defaults to `application/json`; patches name their type here. */
  contentType?: string;
  /** Defaults to `application/json`; metadata-only requests ask for `PartialObjectMetadata` here. */
  accept?: string;
  /** Gives up the request (and ends a stream's body); the request rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Defaults to the client's timeout (30 s). For a stream, the time allowed until the response headers. */
  timeoutMs?: number;
}

/**
 * A streaming answer (a watch): its body is read as it arrives; abort the request's signal to end it.
 *
 * @noExample What {@link KubeClient.stream} returns; {@link parseWatchStream}'s example reads one.
 */
export interface StreamResponse {
  /** The HTTP status: always a 2xx, since an error answer throws {@link ApiError} instead. */
  statusCode: number;
  /** The body in chunks as they arrive; it ends with the response and throws once the request's signal aborts. */
  body: AsyncIterable<Uint8Array>;
}

/**
 * What answers a {@link KubeClient}'s requests in place of an API server over HTTP: the in-memory API server of
 * `capstan/testing` (`fakeApiServer()`), for unit tests of a reconcile that need no control plane. Everything
 * above the client (resource clients, watches, caches, controllers) runs unchanged over it.
 *
 * @noExample Implemented by `fakeApiServer()` of `capstan/testing`; its example shows a client over it.
 */
export interface KubeTransport {
  /** Answer one request with its parsed JSON body, or throw the {@link ApiError} the API server's Status would make. */
  request(options: RequestOptions, signal: AbortSignal): Promise<unknown>;
  /** Open a streaming request (a watch): the body yields newline-delimited watch events until `signal` aborts. */
  stream(options: RequestOptions, signal: AbortSignal): Promise<StreamResponse>;
}

/**
 * Options to create a {@link KubeClient}.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * let inFlight = 0;
 * const client = await KubeClient.fromKubeconfig({
 *   context: 'kind-dev',
 *   userAgent: 'hello-operator/1.4.0',
 *   timeoutMs: 10_000,
 *   onRequestStart: () => inFlight++,
 *   onRequest: ({ method, path, code, durationMs }) => {
 *     inFlight--;
 *     console.debug(`${method} ${path} ${code} ${durationMs.toFixed(0)} ms (${inFlight} in flight)`);
 *   },
 * });
 * await client.close();
 * ```
 */
export interface KubeClientOptions {
  /** The kubeconfig file; defaults to `$KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account. */
  kubeconfigPath?: string;
  /** A context other than the file's current one. */
  context?: string;
  /** Timeout of each non-watch request (30 s by default). */
  timeoutMs?: number;
  /** Send requests to this URL instead of the kubeconfig's server (a proxy in front of it, say); TLS and credentials stay. */
  server?: string;
  /** Where request counts and latencies go; defaults to client-go's metrics on prom-client's default registry. */
  metrics?: RequestMetrics;
  /** The `User-Agent` header (the audit log records it); defaults to `capstan`. */
  userAgent?: string;
  /**
   * Called once per request when its answer starts (or it fails), for a request log; the manager logs
   * these at debug level. It carries no headers, body or query, so no credential or object data.
   */
  onRequest?: (record: RequestRecord) => void;
  /**
   * Called once per request as it is sent, each call followed by exactly one {@link onRequest} for the same
   * request (when its answer starts, or it fails): together they count the requests in flight. A watch is in
   * flight until its response headers arrive; its stream after that is not a request waiting for an answer.
   */
  onRequestStart?: (request: RequestStart) => void;
}

/**
 * A request as {@link KubeClientOptions.onRequestStart} sees it, as it is sent.
 *
 * @noExample What `onRequestStart` receives; {@link KubeClientOptions}'s example counts requests in flight with it.
 */
export interface RequestStart {
  /** The HTTP method. */
  method: string;
  /** The URL path (no query string). */
  path: string;
  /** `Date.now()` when the request was sent. */
  startedAt: number;
}

/**
 * One request as {@link KubeClientOptions.onRequest} sees it.
 *
 * @noExample What `onRequest` receives; {@link KubeClientOptions}'s example logs it.
 */
export interface RequestRecord {
  /** The HTTP method. */
  method: string;
  /** The URL path (no query string), which names the resource, namespace and object. */
  path: string;
  /** The HTTP status, or `<error>` when no answer came (timeout, reset, refused). */
  code: string;
  /** `Date.now()` when the request was sent. */
  startedAt: number;
  /** From sending the request to its response headers (or its failure), in milliseconds. */
  durationMs: number;
}

/**
 * A connection to one API server, built from a kubeconfig or a pod's service account: keep-alive HTTP
 * through undici, the kubeconfig's TLS, credentials refreshed when they rotate (token files re-read, exec
 * plugins re-run on expiry and after a 401), and `ApiError`s built from the server's Status body. Typed
 * access to a kind goes through {@link KubeClient.resource}.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * const cm = await client.resource(ConfigMap).get('kube-root-ca.crt', { namespace: 'default' });
 * console.log(Object.keys(cm.data ?? {}));
 * await client.close();
 * ```
 */
export class KubeClient {
  /** The API server's URL that requests go to (the kubeconfig's, or {@link KubeClientOptions.server}), without a trailing slash. */
  readonly server: string;
  /** The kubeconfig file the client was made from, or `in-cluster`. */
  readonly kubeconfigPath: string;
  /** The namespace of the kubeconfig context (or of the pod), if any. */
  readonly namespace: string | undefined;
  /** Where the client's credentials come from; their `description` and `remedy` are in the message of a 401. */
  readonly credentials: Credentials;
  private readonly config: ConnectionConfig;
  private readonly timeoutMs: number;
  private readonly metrics: RequestMetrics;
  private readonly userAgent: string;
  private readonly onRequest: ((record: RequestRecord) => void) | undefined;
  private readonly onRequestStart: ((request: RequestStart) => void) | undefined;
  /** Set for a client over an in-memory API server ({@link KubeClient.over}): no HTTP, no credentials. */
  private readonly transport: KubeTransport | undefined;
  private agent: Agent;
  private agentCertificate: string | undefined;
  private readonly retiredAgents: Agent[] = [];
  /** Every socket the pools opened and that is not closed yet, connecting ones included (see {@link close}). */
  private readonly sockets = new Set<Socket>();

  private constructor(config: ConnectionConfig, options: KubeClientOptions, transport?: KubeTransport) {
    this.config = config;
    this.transport = transport;
    this.kubeconfigPath = config.source;
    this.server = (options.server ?? config.server).replace(/\/$/, '');
    this.namespace = config.namespace;
    this.credentials = config.credentials;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.metrics = options.metrics ?? prometheusRequestMetrics();
    this.userAgent = options.userAgent ?? 'capstan';
    this.onRequest = options.onRequest;
    this.onRequestStart = options.onRequestStart;
    this.agent = this.newAgent(undefined);
  }

  /**
   * Load a kubeconfig and connect to its current (or given) context. Without a path: `$KUBECONFIG`, then
   * `~/.kube/config`, then the in-cluster service account when running in a pod. Fails with a
   * `KUBECONFIG_INVALID` {@link ClientError} that names the file and the problem; never falls back to localhost.
   */
  static async fromKubeconfig(options: KubeClientOptions = {}): Promise<KubeClient> {
    const path = options.kubeconfigPath ?? defaultKubeconfigPath();
    const inPod = options.kubeconfigPath === undefined && !process.env['KUBECONFIG'] && process.env['KUBERNETES_SERVICE_HOST'];
    if (inPod && !existsSync(path)) return KubeClient.inCluster(options);
    return new KubeClient(await loadKubeconfig(path, options.context), options);
  }

  /** Connect with the pod's service account (its token file is re-read as the kubelet rotates it). */
  static async inCluster(
    options: Omit<KubeClientOptions, 'kubeconfigPath' | 'context'> & { serviceAccountDir?: string } = {},
  ): Promise<KubeClient> {
    return new KubeClient(await loadInCluster(options.serviceAccountDir), options);
  }

  /**
   * A client whose requests an in-memory API server answers (see {@link KubeTransport}); `namespace` plays the
   * kubeconfig context's namespace. Request hooks and metrics work as over HTTP.
   */
  static over(
    transport: KubeTransport,
    options: Omit<KubeClientOptions, 'kubeconfigPath' | 'context' | 'server'> & { namespace?: string } = {},
  ): KubeClient {
    const config: ConnectionConfig = {
      source: 'in-memory',
      server: 'memory://api-server',
      tls: { rejectUnauthorized: true },
      credentials: new StaticCredentials({ headers: {} }, 'no credentials (an in-memory API server)', 'nothing to do'),
      namespace: options.namespace,
    };
    return new KubeClient(config, options, transport);
  }

  /** Typed access to one kind: get, list, create, update, patch, apply, delete, watch. */
  resource<T extends KubeObject>(kind: Kind<T>): ResourceClient<T> {
    return new ResourceClient<T>(this, kind, false);
  }

  /** Read-only access to one kind's metadata: the server sends `PartialObjectMetadata`, never spec, data or status. */
  metadata(kind: Kind): ResourceClient<PartialObjectMetadata> {
    return new ResourceClient<PartialObjectMetadata>(this, kind, true);
  }

  /**
   * Send one request and parse the JSON answer; a non-2xx answer throws {@link ApiError}, no answer within the
   * timeout a `REQUEST_TIMEOUT` {@link ClientError}, an unreachable server `CONNECTION_FAILED`. After a 401 it asks the
   * credentials again and, if they changed, sends once more. Use it for what {@link KubeClient.resource} does not cover.
   *
   * @example
   * ```ts
   * import { KubeClient } from 'capstan/client';
   * const client = await KubeClient.fromKubeconfig();
   * const { gitVersion } = await client.request<{ gitVersion: string }>({ path: '/version' });
   * console.log(`API server ${gitVersion}`);
   * await client.close();
   * ```
   */
  async request<T>(options: RequestOptions): Promise<T> {
    const transport = this.transport;
    if (transport) {
      return (await withScopedSignal([options.signal], options.timeoutMs ?? this.timeoutMs, (signal) =>
        this.observed(options, () => transport.request(options, signal)),
      )) as T;
    }
    const text = await withScopedSignal([options.signal], options.timeoutMs ?? this.timeoutMs, async (signal) => {
      const response = await this.send(options, signal);
      try {
        return await response.body.text();
      } catch (cause) {
        throw this.transportError(options, signal, cause);
      }
    });
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (cause) {
      throw new ClientError(
        'INVALID_RESPONSE',
        `${options.method ?? 'GET'} ${options.path}: the answer is not JSON: ${text.slice(0, 200)}`,
        { cause },
      );
    }
  }

  /**
   * Open a streaming request (a watch) and resolve once the response headers arrive; the timeout covers
   * only that. The body has no timeout of its own: the caller ends it with `signal`.
   */
  async stream(options: RequestOptions): Promise<StreamResponse> {
    const transport = this.transport;
    if (transport) {
      const signal = options.signal ?? new AbortController().signal;
      return this.observed(options, () => transport.stream(options, signal));
    }
    const headersTimeout = new AbortController();
    const timer = setTimeout(() => headersTimeout.abort(new Error('headers timeout')), options.timeoutMs ?? this.timeoutMs);
    // The body outlives the headers timeout, and its stream must still end when the caller's signal aborts:
    // one watch per connection, so any() here costs little.
    const signal = options.signal ? AbortSignal.any([options.signal, headersTimeout.signal]) : headersTimeout.signal;
    try {
      const response = await this.send(options, signal, true);
      return { statusCode: response.statusCode, body: response.body };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Close the connection pool (open watches end). A connection still in its TLS handshake is destroyed too:
   * undici would leave it to its connect timeout, and its socket would keep a stopping process alive that
   * long after a path that swallows packets (a SIGTERM'd operator lingering past its grace period).
   */
  async close(): Promise<void> {
    await Promise.all([this.agent, ...this.retiredAgents].map((agent) => agent.destroy()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** A transport's answer, seen by the request hooks and metrics as an HTTP answer would be (its status code). */
  private async observed<R>(options: RequestOptions, answer: () => Promise<R>): Promise<R> {
    const method = options.method ?? 'GET';
    const observe = this.requestStarted(method, options.path);
    try {
      const result = await answer();
      observe(method === 'POST' ? '201' : '200');
      return result;
    } catch (err) {
      observe(err instanceof ApiError ? String(err.httpStatus) : '<error>');
      throw err;
    }
  }

  /** Tell the request hooks a request starts; the returned function records its answer's code (hooks and metrics). */
  private requestStarted(method: string, path: string): (code: string) => void {
    const started = performance.now();
    const startedAt = Date.now();
    this.onRequestStart?.({ method, path, startedAt });
    return (code) => {
      const durationMs = performance.now() - started;
      this.metrics.observe({ method, code, durationSeconds: durationMs / 1000 });
      this.onRequest?.({ method, path, code, startedAt, durationMs });
    };
  }

  /** Send with `signal`: the caller's signal combined with the request's timeout (see transportError). */
  private async send(options: RequestOptions, signal: AbortSignal, streaming = false): Promise<ResponseData> {
    const method = options.method ?? 'GET';
    const url = new URL(this.server + options.path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body =
      options.body === undefined
        ? undefined
        : options.contentType === 'application/apply-patch+yaml'
          ? yamlSafeJson(options.body)
          : JSON.stringify(options.body);
    const attempt = async (material: CredentialMaterial): Promise<ResponseData> => {
      const headers: Record<string, string> = {
        accept: options.accept ?? 'application/json',
        'user-agent': this.userAgent,
        ...material.headers,
      };
      if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      const observe = this.requestStarted(method, url.pathname);
      try {
        // undici heeds the signal only once the request has a connection; a stalled TLS handshake must not
        // hold the caller past its timeout or abort (see rejectOnAbort).
        const response = await rejectOnAbort(
          undiciRequest(this.dispatcherFor(material), url, {
            method,
            headers,
            body,
            signal,
            bodyTimeout: streaming ? 0 : undefined,
          }),
          signal,
          (late) => void late.body.dump().catch(() => undefined),
        );
        observe(String(response.statusCode));
        return response;
      } catch (cause) {
        observe('<error>');
        throw this.transportError(options, signal, cause);
      }
    };
    const material = await this.credentials.current(signal);
    let response = await attempt(material);
    if (response.statusCode === 401 && this.credentials.invalidate()) {
      const fresh = await this.credentials.current(signal);
      if (JSON.stringify(fresh) !== JSON.stringify(material)) {
        await response.body.dump();
        response = await attempt(fresh);
      }
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const text = await response.body.text().catch(() => '');
    const status = parseStatus(text, response.headers);
    const hint =
      response.statusCode === 401 ? `the API server rejected ${this.credentials.description}: ${this.credentials.remedy}` : undefined;
    throw new ApiError(method, options.path, response.statusCode, status, hint);
  }

  /** `signal` is the request's own: aborted while the caller's is not, it was the timeout. */
  private transportError(options: RequestOptions, signal: AbortSignal, cause: unknown): unknown {
    const method = options.method ?? 'GET';
    if (options.signal?.aborted) return options.signal.reason as unknown;
    if (signal.aborted) {
      return new ClientError(
        'REQUEST_TIMEOUT',
        `${method} ${options.path}: no answer within ${options.timeoutMs ?? this.timeoutMs} ms from ${this.server}`,
        { cause },
      );
    }
    if (isCapstanError(cause)) return cause;
    return new ClientError('CONNECTION_FAILED', `${method} ${options.path}: cannot reach ${this.server}: ${(cause as Error).message}`, {
      cause,
    });
  }

  /** The pool for this request: a new one when an exec plugin hands out a new client certificate. */
  private dispatcherFor(material: CredentialMaterial): Agent {
    const certificate = material.clientCertificate?.cert;
    if (certificate !== this.agentCertificate) {
      this.retiredAgents.push(this.agent);
      this.agent = this.newAgent(material.clientCertificate);
      this.agentCertificate = certificate;
    }
    return this.agent;
  }

  private newAgent(clientCertificate: { cert: string; key: string } | undefined): Agent {
    const { tls } = this.config;
    const connector = buildConnector({
      ca: tls.ca,
      cert: clientCertificate?.cert ?? tls.cert,
      key: clientCertificate?.key ?? tls.key,
      rejectUnauthorized: tls.rejectUnauthorized,
      servername: tls.servername,
      // A connection attempt outlives the request that started it (later requests wait for it), so a
      // connect that hangs, behind a dead NAT entry, must give up within the request timeout too.
      timeout: this.timeoutMs,
      // Offer only HTTP/1.1 in the TLS handshake (see allowH2 below): a connector of our own is not told the
      // Agent's allowH2, and by default offers h2, which kube-apiserver then picks.
      allowH2: false,
    });
    // undici's connector returns the socket it opens (its type says void): tracked so close() can end it.
    const connect: buildConnector.connector = (options, callback) => {
      const socket = (connector as (...args: Parameters<buildConnector.connector>) => Socket | undefined)(options, callback);
      if (socket) {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      }
      return socket;
    };
    return new Agent({
      connect,
      keepAliveTimeout: 30_000,
      // HTTP/1.1 on purpose: HTTP/2 would carry every watch and request over one connection, so a dead
      // connection (half-open, behind a dead NAT entry) would silently take them all, and undici has no
      // HTTP/2 ping health check (client-go needed ReadIdleTimeout for this). With HTTP/1.1 each watch has
      // its own connection, and abandoning a silent watch replaces exactly that connection.
      allowH2: false,
    });
  }
}

function parseStatus(text: string, headers: IncomingHttpHeaders): StatusBody {
  if (headers['content-type']?.includes('json')) {
    try {
      return JSON.parse(text) as StatusBody;
    } catch {
      // fall through: a proxy in between may answer with a JSON content type and a broken body
    }
  }
  return { message: text.trim().slice(0, 500) };
}

/**
 * JSON that a YAML parser reads back as the same value: every character outside printable ASCII escaped. A
 * server-side apply body is parsed as YAML, which folds line breaks it knows (NEL, LINE SEPARATOR, …) inside a
 * double-quoted string into spaces and refuses control characters, where JSON keeps both as they are. Escapes
 * are YAML's (`\uXXXX`, and `\UXXXXXXXX` for code points above U+FFFF, where JSON would write a surrogate pair).
 */
export function yamlSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/gu, (char) => {
    const code = char.codePointAt(0)!;
    return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
