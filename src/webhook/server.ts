import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { type KubeObject, type Logger, silentLogger } from '../core/index.ts';
import type { DeclaredReads } from '../controller/index.ts';
import { type AdmissionHandler, type AdmissionReview, review, type WebhookDefinition, WebhookError, webhookPath } from './admission.ts';
import { certificateFeed, type CertificateSource } from './certificate-source.ts';
import { type ConversionDefinition, isConversionDefinition } from './conversion.ts';
import { type ConversionReview, conversionPath, convertReview } from './conversion-review.ts';

/**
 * Options of {@link serveWebhooks}. Give `certDir` or `certificates`.
 *
 * @noExample Options of {@link serveWebhooks}; its example and {@link CertificateManager}'s show them in use.
 */
export interface WebhookServerOptions {
  /** A folder with `tls.crt` and `tls.key` (PEM), as a `kubernetes.io/tls` Secret mounts them; reread when they change. */
  certDir?: string;
  /** Instead of `certDir`: a certificate in memory, served anew as soon as it changes (the {@link CertificateManager}). */
  certificates?: CertificateSource;
  /** Default 9443, as controller-runtime's; 0 picks a free port. */
  port?: number;
  /** Default every address (`0.0.0.0`); `127.0.0.1` for a webhook registered by `url` on a local control plane. */
  host?: string;
  /** Where the server logs its start, certificate changes and requests it could not answer; default silent. */
  log?: Logger;
  /** How often the certificate files are checked for a change; default 10 s. */
  certCheckMs?: number;
  /** Closes the server. */
  signal?: AbortSignal;
  /** The reads of each definition's handlers (the manager gives its shared caches); default none. */
  reads?: (definition: WebhookDefinition) => DeclaredReads;
  /** Where each admission request is counted and timed: `webhookMetrics(registry)` of `capstan/metrics` (the manager passes its registry's). */
  metrics?: WebhookServerMetrics;
}

/**
 * How the server reports its admission requests: structurally `webhookMetrics` of `capstan/metrics` (this layer
 * may not import the metrics layer; the manager wires the two). `started` is called when a request for a served
 * path arrives; what it returns, with the status code as the answer is written (before the API server can read it,
 * so a scrape after the write it admitted counts it), or with 499 when the caller hung up before any answer (the
 * API server gave up at `timeoutSeconds`).
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { serveWebhooks, webhook, type WebhookServerMetrics } from 'capstan/webhook';
 * const metrics: WebhookServerMetrics = {
 *   started: (path) => {
 *     const start = performance.now();
 *     return (code) => console.log(`${path} ${code} in ${Math.round(performance.now() - start)} ms`);
 *   },
 * };
 * const server = await serveWebhooks([webhook(ConfigMap).validate(() => undefined)], { certDir: '/tmp/k8s-webhook-server/serving-certs', metrics });
 * ```
 */
export interface WebhookServerMetrics {
  /** Called as a request for a served `path` arrives; what it returns is called once: with the status code as the answer is written, or 499 when the caller hung up first. */
  started(path: string): (code: number) => void;
}

/**
 * A running webhook server. Closing it (or leaving an `await using` block) stops accepting connections and ends the
 * open ones once their requests are answered, including idle ones the API server keeps in its pool.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { serveWebhooks, webhook } from 'capstan/webhook';
 * await using server = await serveWebhooks([webhook(ConfigMap).validate(() => undefined)], {
 *   certDir: '/tmp/k8s-webhook-server/serving-certs',
 *   port: 0,
 * });
 * console.log(`listening on ${server.port}: ${server.paths.join(', ')}`);
 * ```
 */
export interface WebhookServer extends AsyncDisposable {
  /** The port it listens on (the one picked, when the options said 0). */
  readonly port: number;
  /** The paths served, by handler: `/validate-…` and `/mutate-…`, and `/convert` when there are conversions. */
  readonly paths: readonly string[];
  /** Admission and conversion requests answered since the start, by path. */
  readonly answered: ReadonlyMap<string, number>;
  /** Stop serving; resolves once every connection is closed. Calling it again returns the same promise. */
  close(): Promise<void>;
}

/** The largest AdmissionReview read: the API server's own request limit is 3 MiB, and a review carries the object twice. */
const maxBodyBytes = 8 * 1024 * 1024;

/** How long a client may take over its TLS handshake (the API server's own webhook client allows 10 s). */
const handshakeTimeoutMs = 10_000;

/** The code counted for a request whose caller hung up before the answer (nginx's convention; HTTP has none). */
const clientClosedRequest = 499;

/**
 * Serve the admission webhooks of `definitions` over HTTPS with the certificate in `certDir`: one path per handler
 * ({@link webhookPath}), an `admission.k8s.io/v1` AdmissionReview in and out. A handler's signal aborts at its
 * `timeoutSeconds`. A new certificate in `certDir` is served from the next connection on (cert-manager renews
 * it in place). The conversions among `definitions` (`conversion(Hub).spoke(…)`) are served at `/convert`, one path for
 * every kind: an `apiextensions.k8s.io/v1` ConversionReview in and out, each object converted by the conversion of
 * its group and kind.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { deny, serveWebhooks, webhook } from 'capstan/webhook';
 * const server = await serveWebhooks([webhook(ConfigMap).validate(({ object }) => (object.data?.['password'] ? deny('no passwords') : undefined))], {
 *   certDir: '/tmp/k8s-webhook-server/serving-certs',
 * });
 * console.log(server.port, server.paths); // 9443 ['/validate-core-v1-configmap']
 * await server.close();
 * ```
 */
export async function serveWebhooks(
  definitions: ReadonlyArray<WebhookDefinition | ConversionDefinition>,
  options: WebhookServerOptions,
): Promise<WebhookServer> {
  const log = options.log ?? silentLogger;
  const conversions = definitions.filter(isConversionDefinition);
  for (const [i, c] of conversions.entries()) {
    if (conversions.findIndex((other) => other.crdName === c.crdName) !== i) {
      throw new WebhookError('INVALID_WEBHOOK', `two conversions for ${c.crdName}: declare one per kind, with every version as a spoke`);
    }
  }
  const handlers = new Map<string, { handler: AdmissionHandler<KubeObject>; reads: DeclaredReads | undefined }>();
  for (const definition of definitions.filter((d): d is WebhookDefinition => !isConversionDefinition(d))) {
    const reads = options.reads?.(definition);
    for (const handler of [definition.validating, definition.mutating]) {
      if (!handler) continue;
      const path = webhookPath(handler.type, definition.kind);
      if (handlers.has(path)) {
        throw new WebhookError('INVALID_WEBHOOK', `two ${handler.type} webhooks for ${definition.kind.kind}: declare one per kind`);
      }
      handlers.set(path, { handler, reads });
    }
  }
  const answered = new Map<string, number>();
  // A new certificate is served from the next connection on (cert-manager renews the files in place).
  const feed = await certificateFeed(options, log, (pair) => server.setSecureContext({ ...pair, minVersion: 'TLSv1.2' }));
  const server: Server = createServer({ ...feed.initial, minVersion: 'TLSv1.2', handshakeTimeout: handshakeTimeoutMs }, (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    const served = handlers.get(path);
    const converting = path === conversionPath && conversions.length > 0;
    if (req.method !== 'POST' || (!served && !converting)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no webhook at ${req.method} ${path}\n`);
      return;
    }
    const finished = options.metrics?.started(path);
    let reported = false;
    const report = (code: number) => {
      if (reported) return;
      reported = true;
      finished?.(code);
    };
    /** Answer, counted before the answer is handed to the socket (`close` comes only after the caller has it). */
    const send = ({ code, type, body }: Answer) => {
      res.writeHead(code, { 'content-type': type });
      report(code);
      res.end(body);
    };
    // Closed with no answer sent: the caller hung up first (or the body was refused as too large).
    res.once('close', () => report(clientClosedRequest));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) req.destroy(new Error(`AdmissionReview larger than ${maxBodyBytes} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        let body: AdmissionReview;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
        } catch (err) {
          const expected = served ? 'an AdmissionReview' : 'a ConversionReview';
          send(plain(400, `not ${expected}: ${(err as Error).message}`));
          return;
        }
        if (!served) {
          send(answerConversion(conversions, body as unknown as ConversionReview, log));
          answered.set(path, (answered.get(path) ?? 0) + 1);
          return;
        }
        // Aborted at the handler's timeout, or when the API server hangs up first (it gave up on the request).
        const abandoned = new AbortController();
        res.once('close', () => {
          if (!res.headersSent) abandoned.abort(new DOMException('the API server closed the connection before the answer', 'AbortError'));
        });
        const signal = AbortSignal.any([AbortSignal.timeout(served.handler.options.timeoutSeconds * 1000), abandoned.signal]);
        try {
          const answer = await review(served.handler, body, { signal, log, ...(served.reads ? { reads: served.reads } : {}) });
          answered.set(path, (answered.get(path) ?? 0) + 1);
          send(json(answer));
        } catch (err) {
          log.warn({ path, err: (err as Error).message }, 'admission request not answered');
          send(plain(400, (err as Error).message));
        }
      })();
    });
  });
  const connections = trackConnections(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9443, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const paths = [...handlers.keys(), ...(conversions.length > 0 ? [conversionPath] : [])];
  log.info({ port, paths }, 'serving webhooks');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      feed.stop();
      server.close(() => resolve());
      connections.closeWhenIdle();
    });
    return closing;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { port, paths, answered, close, [Symbol.asyncDispose]: close };
}

/** An HTTP answer of the server: its status code, content type and body. */
interface Answer {
  code: number;
  type: string;
  body: string;
}
const json = (value: unknown): Answer => ({ code: 200, type: 'application/json', body: JSON.stringify(value) });
const plain = (code: number, message: string): Answer => ({ code, type: 'text/plain', body: `${message}\n` });

/** A ConversionReview's answer: every object converted, or a Failure the API server passes on to its client. */
function answerConversion(conversions: readonly ConversionDefinition[], body: ConversionReview, log: Logger): Answer {
  let answer: ConversionReview;
  try {
    answer = convertReview(conversions, body);
  } catch (err) {
    log.warn({ path: conversionPath, err: (err as Error).message }, 'conversion request not answered');
    return plain(400, (err as Error).message);
  }
  const result = answer.response?.result;
  if (result?.status === 'Failure') log.warn({ path: conversionPath, err: result.message }, 'conversion failed');
  return json(answer);
}

/**
 * The server's TLS connections and the requests in flight on each, so that closing ends them all: Node's
 * `closeIdleConnections` misses a TLS connection that never carried a request, and the API server keeps such
 * connections in its pool (idle up to 90 s), which would hold `close()` open and keep answering on them. One whose
 * handshake ends after the close began is ended at once; one whose handshake never ends, at the handshake timeout.
 */
function trackConnections(server: Server): { closeWhenIdle(): void } {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  server.on('secureConnection', (socket: Socket) => {
    // A connection accepted before the close whose handshake ends after it would otherwise stay open, idle.
    if (closing) {
      socket.destroy();
      return;
    }
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
  });
  return {
    closeWhenIdle() {
      closing = true;
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy();
    },
  };
}
