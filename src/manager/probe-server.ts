import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from '../internal/node-http.ts';

/**
 * A named check behind `/readyz` or `/healthz`; it returns an error message, or nothing when fine. It runs on
 * every probe, so it must be quick and synchronous; a check that throws fails with the error's message.
 *
 * @example
 * ```ts
 * import { type Check, ProbeServer } from 'capstan/manager';
 * let connected = false;
 * const upstream: Check = () => (connected ? undefined : 'not connected to the backup service yet');
 * const server = await ProbeServer.start({ port: 8081, readyChecks: { upstream } });
 * connected = true;
 * await server.close();
 * ```
 */
export type Check = () => string | undefined;

/**
 * A check listed with the others whose failure does not fail the probe (`gating: false`): its line reads
 * `[+]name ok (warning, not gating: …)`. The manager uses it for watch health on a replica that serves webhooks.
 *
 * @noExample A value of {@link ProbeServerOptions.readyChecks}: `{ check, gating: false }` in place of a {@link Check}.
 */
export interface ListedCheck {
  /** The check, listed with its verdict. */
  check: Check;
  /** Always false: its failure is listed as a warning and does not fail the probe. */
  gating: false;
}

/**
 * What the probe server serves.
 *
 * @noExample Options of {@link ProbeServer.start}; its example and {@link Check}'s show them in use.
 */
export interface ProbeServerOptions {
  /** `127.0.0.1` for local runs; `0.0.0.0` in a Pod, so the kubelet can probe it. */
  host?: string;
  /** 0 picks a free port (see {@link ProbeServer.port}). */
  port: number;
  /** The checks of `/healthz` (and `/livez`), by name: the kubelet restarts the container when they fail. */
  healthChecks?: Record<string, Check>;
  /** The checks of `/readyz`, by name: the Pod leaves its Services' endpoints while a gating one fails. */
  readyChecks?: Record<string, Check | ListedCheck>;
  /** Metrics in the Prometheus text format, and their content type; absent: no `/metrics` route. */
  metrics?: () => Promise<{
    /** The `content-type` of the answer, e.g. prom-client's `register.contentType`. */
    contentType: string;
    /** The exposition text. */
    body: string;
  }>;
}

/**
 * Serves `/healthz`, `/readyz` and `/metrics` as controller-runtime's manager does: a check's name and
 * verdict per line (`?verbose`), 200 when all pass and 500 otherwise. It exposes no object data: check
 * messages are the manager's own words.
 *
 * @example
 * ```ts
 * import { ProbeServer } from 'capstan/manager';
 * const server = await ProbeServer.start({ host: '127.0.0.1', port: 0, readyChecks: { caches: () => undefined } });
 * console.log(`http://127.0.0.1:${server.port}/readyz`);
 * await server.close();
 * ```
 */
export class ProbeServer {
  private readonly server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  /** Start listening; resolves once the port is bound. */
  static async start(options: ProbeServerOptions): Promise<ProbeServer> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://probe');
      const send = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
        res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
      if (url.pathname === '/healthz' || url.pathname === '/livez') return respond(options.healthChecks ?? {});
      if (url.pathname === '/readyz') return respond(options.readyChecks ?? {});
      if (url.pathname === '/metrics' && options.metrics) {
        options.metrics().then(
          ({ contentType, body }) => send(200, body, contentType),
          (err: unknown) => send(500, `metrics failed: ${(err as Error).message}\n`),
        );
        return;
      }
      return send(404, 'not found\n');

      function respond(checks: Record<string, Check | ListedCheck>) {
        const lines: string[] = [];
        let failed = false;
        for (const [name, entry] of Object.entries(checks)) {
          const gating = typeof entry === 'function';
          let problem: string | undefined;
          try {
            problem = (gating ? entry : entry.check)();
          } catch (err) {
            problem = (err as Error).message;
          }
          if (problem === undefined) lines.push(`[+]${name} ok`);
          else if (!gating) lines.push(`[+]${name} ok (warning, not gating: ${problem})`);
          else {
            failed = true;
            lines.push(`[-]${name} failed: ${problem}`);
          }
        }
        const verdict = failed ? `${url.pathname.slice(1)} check failed` : 'ok';
        send(failed ? 500 : 200, url.searchParams.has('verbose') || failed ? `${lines.join('\n')}\n${verdict}\n` : `${verdict}\n`);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
    return new ProbeServer(server);
  }

  /** The port actually bound. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stop accepting connections and close idle ones. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
