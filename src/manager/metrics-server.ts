import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { createServer as createHttpServer } from '../internal/node-http.ts';
import type { KubeClient } from '../client/index.ts';
import { type Logger, UsageError } from '../core/index.ts';
import { type CertificatePair, createCertificateAuthority, issueServingCertificate } from '../webhook/index.ts';
import { AccessGate, reviewThroughApiServer, VerdictCache } from './metrics-access.ts';

/** What both kinds of metrics server take. */
interface MetricsServerBase {
  /** `127.0.0.1` (the default) for local runs; `0.0.0.0` in a Pod, so Prometheus can reach it. */
  host?: string;
  /** 8443 in a Pod, as the Kubebuilder scaffold's; 0 picks a free port (see {@link MetricsServer.port}). */
  port: number;
  /** What `/metrics` serves: the manager's registry. */
  registry: Registry;
  /** Closes the server. */
  signal?: AbortSignal;
}

/**
 * The guarded metrics server: HTTPS, and only for a bearer token whose user may `get` the non-resource URL `/metrics`.
 * Verdicts are cached per token for {@link metricsVerdictTtlMs} (10 s), at most 256 tokens.
 *
 * @noExample Options of {@link MetricsServer.start}; its example starts a guarded server.
 */
export interface SecureMetricsServerOptions extends MetricsServerBase {
  /** Absent or false: the guarded server. */
  insecure?: false;
  /** Asks the API server for the TokenReview and the SubjectAccessReview; its identity needs `create` on both. */
  client: KubeClient;
  /**
   * A folder with `tls.crt` and `tls.key` (PEM), as a `kubernetes.io/tls` Secret mounts them; read at the start. Absent:
   * a self-signed certificate made in memory at the start, as controller-runtime's metrics server does (scrapers
   * then skip verification, as the Kubebuilder scaffold's ServiceMonitor does with `insecureSkipVerify`).
   */
  certDir?: string;
  /** Where failed requests and refused callers are logged (a review that could not be made at warn, a refusal at debug). */
  log: Logger;
}

/**
 * The development opt-out (`--metrics-insecure`): plain HTTP, no authentication, anyone who reaches the port reads.
 *
 * @noExample Options of {@link MetricsServer.start}; its example starts an insecure server too.
 */
export interface InsecureMetricsServerOptions extends MetricsServerBase {
  /** Plain HTTP for anyone: development only. */
  insecure: true;
}

/**
 * Options of {@link MetricsServer.start}: guarded (the default), or `insecure: true`.
 *
 * @noExample The union of {@link SecureMetricsServerOptions} and {@link InsecureMetricsServerOptions}; {@link MetricsServer}'s example shows both.
 */
export type MetricsServerOptions = SecureMetricsServerOptions | InsecureMetricsServerOptions;

/**
 * How long a TokenReview/SubjectAccessReview verdict on a token is reused: a revoked token is refused within it.
 *
 * @noExample A fixed bound stated for operators and auditors: nothing to call or configure.
 */
export const metricsVerdictTtlMs = 10_000;

/** A review that has not answered in this time is a 503 (the scraper retries at its next interval). */
const reviewTimeoutMs = 10_000;

/**
 * Serves `GET /metrics` from a prom-client registry on a port of its own, as the Kubebuilder scaffold's manager
 * does on :8443: over HTTPS, to a caller whose bearer token the API server authenticates (TokenReview) and whose
 * user it authorizes for `get` on the non-resource URL `/metrics` (SubjectAccessReview). No token, or one the API
 * server does not accept: 401 with `WWW-Authenticate: Bearer`. A user without the right: 403 naming the user. A
 * review that cannot be made (the API server is down): 503, never the metrics. Verdicts, positive and negative, are
 * cached per token for 10 s ({@link metricsVerdictTtlMs}), at most 256 tokens, so a scraper costs two API calls per
 * 10 s, not per scrape. Probes are not served here: they stay plain HTTP on the probe port, for the kubelet.
 *
 * @example
 * ```ts
 * import { register } from 'prom-client';
 * import { KubeClient } from 'capstan/client';
 * import { silentLogger } from 'capstan/core';
 * import { MetricsServer } from 'capstan/manager';
 * const client = await KubeClient.fromKubeconfig();
 * const server = await MetricsServer.start({ host: '0.0.0.0', port: 8443, registry: register, client, log: silentLogger });
 * console.log(`https://127.0.0.1:${server.port}/metrics`, server.secure); // needs a bearer token
 * await server.close();
 * // During development, plain HTTP for anyone:
 * const open = await MetricsServer.start({ port: 0, registry: register, insecure: true });
 * await open.close();
 * ```
 */
export class MetricsServer {
  private readonly server: Server;
  private readonly sockets: Set<Socket>;
  private readonly stopped: AbortController;
  /** True when served over HTTPS with authentication and authorization; false for `insecure: true`. */
  readonly secure: boolean;
  private closing: Promise<void> | undefined;

  private constructor(server: Server, sockets: Set<Socket>, stopped: AbortController, secure: boolean) {
    this.server = server;
    this.sockets = sockets;
    this.stopped = stopped;
    this.secure = secure;
  }

  /** Start listening; resolves once the port is bound. Fails with a `UsageError` when `certDir` holds no readable pair. */
  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    const stopped = new AbortController();
    const gate = options.insecure
      ? undefined
      : new AccessGate(reviewThroughApiServer(options.client), new VerdictCache({ ttlMs: metricsVerdictTtlMs, maxEntries: 256 }));
    const log = options.insecure ? undefined : options.log;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      void answer(req, res).catch((err: unknown) => {
        log?.error({ err: (err as Error).message }, 'metrics request failed');
        if (!res.headersSent) send(res, 500, `metrics failed: ${(err as Error).message}\n`);
        else res.destroy();
      });
    };
    const answer = async (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics')
        return send(res, 404, `not found: only /metrics is served on this port (the probes are on the probe port)\n`);
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, 'method not allowed: GET /metrics\n', { allow: 'GET, HEAD' });
      if (gate) {
        const signal = AbortSignal.any([stopped.signal, AbortSignal.timeout(reviewTimeoutMs)]);
        const refusal = await gate.check(req.headers.authorization, signal);
        if (refusal) {
          if (refusal.status === 503) log?.warn({ err: refusal.body.trim() }, 'metrics request refused: the caller could not be reviewed');
          // A 401's reason quotes the API server on the caller's credential: the log keeps only the status.
          else
            log?.debug(
              { status: refusal.status, ...(refusal.status === 403 ? { reason: refusal.body.trim() } : {}) },
              'metrics request refused',
            );
          return send(res, refusal.status, refusal.body, refusal.headers);
        }
      }
      const body = await options.registry.metrics();
      send(res, 200, body, { 'content-type': options.registry.contentType });
    };
    const server = options.insecure
      ? createHttpServer(handler)
      : createHttpsServer({ ...(await servingCertificate(options.certDir)), minVersion: 'TLSv1.2' }, handler);
    // Every socket, TLS handshakes under way included (Node's closeAllConnections sees only those that carried a request).
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const running = new MetricsServer(server, sockets, stopped, !options.insecure);
    options.signal?.addEventListener('abort', () => void running.close(), { once: true });
    if (options.signal?.aborted) await running.close();
    return running;
  }

  /** The port actually bound. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stop accepting connections, end the open ones (a scrape under way included) and any review under way. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.stopped.abort(new DOMException('the metrics server is closing', 'AbortError'));
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

/** The pair in `certDir`, or a self-signed one made now (a CA of its own and a certificate for this host). */
async function servingCertificate(certDir: string | undefined): Promise<CertificatePair> {
  if (certDir === undefined) {
    const host = hostname();
    const hosts = ['localhost', '127.0.0.1', '::1', ...(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(host) ? [host] : [])];
    const ca = createCertificateAuthority({ commonName: `capstan-metrics-ca@${Math.floor(Date.now() / 1000)}` });
    return issueServingCertificate(ca, { commonName: 'capstan-metrics', hosts, validityDays: 365 });
  }
  try {
    return { cert: await readFile(join(certDir, 'tls.crt'), 'utf8'), key: await readFile(join(certDir, 'tls.key'), 'utf8') };
  } catch (err) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `metrics server: cannot read tls.crt and tls.key in ${certDir} (${(err as Error).message}); mount a kubernetes.io/tls Secret there, or give no certificate folder for a self-signed certificate`,
      { cause: err },
    );
  }
}
