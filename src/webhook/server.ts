import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type KubeObject, type Logger, silentLogger } from '../core/index.ts';
import type { Reads } from '../controller/reads.ts';
import { type AdmissionHandler, type AdmissionReview, review, type WebhookDefinition, WebhookError, webhookPath } from './admission.ts';

/** Options of {@link serveWebhooks}. */
export interface WebhookServerOptions {
  /** A folder with `tls.crt` and `tls.key` (PEM), as a `kubernetes.io/tls` Secret mounts them; reread when they change. */
  certDir: string;
  /** Default 9443, as controller-runtime's; 0 picks a free port. */
  port?: number;
  /** Default every address (`0.0.0.0`); `127.0.0.1` for a webhook registered by `url` on a local control plane. */
  host?: string;
  log?: Logger;
  /** How often the certificate files are checked for a change; default 10 s. */
  certCheckMs?: number;
  /** Closes the server. */
  signal?: AbortSignal;
  /** The reads of each definition's handlers (the manager gives its shared caches); default none. */
  reads?: (definition: WebhookDefinition) => Reads;
}

/** A running webhook server. */
export interface WebhookServer extends AsyncDisposable {
  readonly port: number;
  /** The paths served, by handler: `/validate-…` and `/mutate-…`. */
  readonly paths: readonly string[];
  /** Admission requests answered since the start, by path. */
  readonly answered: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** The largest AdmissionReview read: the API server's own request limit is 3 MiB, and a review carries the object twice. */
const maxBodyBytes = 8 * 1024 * 1024;

/**
 * Serve the admission webhooks of `definitions` over HTTPS with the certificate in `certDir`: one path per handler
 * ({@link webhookPath}), an `admission.k8s.io/v1` AdmissionReview in and out. A handler's signal aborts at its
 * `timeoutSeconds`. A new certificate in `certDir` is served from the next connection on (cert-manager renews
 * it in place).
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
export async function serveWebhooks(definitions: readonly WebhookDefinition[], options: WebhookServerOptions): Promise<WebhookServer> {
  const log = options.log ?? silentLogger;
  const handlers = new Map<string, { handler: AdmissionHandler<KubeObject>; reads: Reads | undefined }>();
  for (const definition of definitions) {
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
  const certFile = join(options.certDir, 'tls.crt');
  const keyFile = join(options.certDir, 'tls.key');
  const readPair = async () => ({ cert: await readFile(certFile), key: await readFile(keyFile) });
  const stamp = async () => `${(await stat(certFile)).mtimeMs}:${(await stat(keyFile)).mtimeMs}`;
  let certStamp = await stamp();
  const server: Server = createServer({ ...(await readPair()), minVersion: 'TLSv1.2' }, (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    const served = handlers.get(path);
    if (req.method !== 'POST' || !served) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no webhook at ${req.method} ${path}\n`);
      return;
    }
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
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`not an AdmissionReview: ${(err as Error).message}\n`);
          return;
        }
        const signal = AbortSignal.timeout(served.handler.options.timeoutSeconds * 1000);
        try {
          const answer = await review(served.handler, body, { signal, log, ...(served.reads ? { reads: served.reads } : {}) });
          answered.set(path, (answered.get(path) ?? 0) + 1);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        } catch (err) {
          log.warn({ path, err: (err as Error).message }, 'admission request not answered');
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9443, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, paths: [...handlers.keys()] }, 'serving webhooks');

  // A renewed certificate (same files, new contents) is served from the next connection on.
  const check = setInterval(() => {
    void (async () => {
      try {
        const now = await stamp();
        if (now === certStamp) return;
        server.setSecureContext({ ...(await readPair()), minVersion: 'TLSv1.2' });
        certStamp = now;
        log.info({ certDir: options.certDir }, 'serving the renewed webhook certificate');
      } catch (err) {
        log.warn(
          { certDir: options.certDir, err: (err as Error).message },
          'webhook certificate unreadable; still serving the previous one',
        );
      }
    })();
  }, options.certCheckMs ?? 10_000);
  check.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      clearInterval(check);
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    return closing;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { port, paths: [...handlers.keys()], answered, close, [Symbol.asyncDispose]: close };
}
