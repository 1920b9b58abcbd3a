import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, request as undiciRequest } from 'undici';
import { ApiError, ClientError, type StatusBody } from './api-error.ts';

/** Options of a single API request. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, such as `/api/v1/namespaces/default/configmaps`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to `application/json`; patches name their type here. */
  contentType?: string;
  signal?: AbortSignal;
  /** Defaults to the client's timeout (30 s). */
  timeoutMs?: number;
}

/** Options to create a {@link KubeClient}. */
export interface KubeClientOptions {
  /** The kubeconfig file; defaults to `$KUBECONFIG`, then `~/.kube/config`. */
  kubeconfigPath?: string;
  /** A context other than the file's current one. */
  context?: string;
  /** Timeout of each non-watch request. */
  timeoutMs?: number;
}

/**
 * A connection to one API server, built from a kubeconfig: keep-alive HTTP through undici, the
 * kubeconfig's TLS and credentials, and `ApiError`s built from the server's Status body.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * const ns = await client.request<{ metadata: { name: string } }>({ path: '/api/v1/namespaces/default' });
 * console.log(ns.metadata.name);
 * await client.close();
 * ```
 */
export class KubeClient {
  readonly server: string;
  readonly kubeconfigPath: string;
  private readonly kubeConfig: KubeConfig;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  private constructor(kubeConfig: KubeConfig, kubeconfigPath: string, server: string, agent: Agent, timeoutMs: number) {
    this.kubeConfig = kubeConfig;
    this.kubeconfigPath = kubeconfigPath;
    this.server = server.replace(/\/$/, '');
    this.agent = agent;
    this.timeoutMs = timeoutMs;
  }

  /** Load a kubeconfig and connect to its current (or given) context. Fails with a message naming the file. */
  static async fromKubeconfig(options: KubeClientOptions = {}): Promise<KubeClient> {
    const path = options.kubeconfigPath ?? process.env['KUBECONFIG']?.split(':')[0] ?? `${process.env['HOME']}/.kube/config`;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      throw new ClientError('KUBECONFIG_INVALID',
        `cannot read kubeconfig ${path}: ${(cause as Error).message}; set KUBECONFIG to a valid file`, { cause });
    }
    const kubeConfig = new KubeConfig();
    try {
      kubeConfig.loadFromString(text);
      if (options.context) kubeConfig.setCurrentContext(options.context);
    } catch (cause) {
      throw new ClientError('KUBECONFIG_INVALID', `kubeconfig ${path} is invalid: ${(cause as Error).message}`, { cause });
    }
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster?.server) {
      throw new ClientError('KUBECONFIG_INVALID',
        `kubeconfig ${path} has no cluster server for context "${kubeConfig.getCurrentContext()}"`);
    }
    const tls: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string } = {};
    await kubeConfig.applyToHTTPSOptions(tls);
    const agent = new Agent({
      connect: {
        ca: tls.ca, cert: tls.cert, key: tls.key,
        rejectUnauthorized: !cluster.skipTLSVerify,
      },
      keepAliveTimeout: 30_000,
    });
    return new KubeClient(kubeConfig, path, cluster.server, agent, options.timeoutMs ?? 30_000);
  }

  /** Send one request and parse the JSON answer; a non-2xx answer throws {@link ApiError}. */
  async request<T>(options: RequestOptions): Promise<T> {
    const method = options.method ?? 'GET';
    const url = new URL(this.server + options.path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...(await this.authHeaders()) };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response;
    try {
      response = await undiciRequest(url, { method, headers, body, signal, dispatcher: this.agent });
    } catch (cause) {
      if (timeout.aborted && !options.signal?.aborted) {
        throw new ClientError('REQUEST_TIMEOUT', `${method} ${options.path}: no answer within ${options.timeoutMs ?? this.timeoutMs} ms`, { cause });
      }
      if (options.signal?.aborted) throw cause;
      throw new ClientError('CONNECTION_FAILED', `${method} ${options.path}: cannot reach ${this.server}: ${(cause as Error).message}`, { cause });
    }
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new ApiError(method, options.path, response.statusCode, parseStatus(text, response.headers));
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Close the connection pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private async authHeaders(): Promise<Record<string, string>> {
    const opts: { headers?: Record<string, string> } = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    return opts.headers ?? {};
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
  return { message: text.slice(0, 500) };
}
