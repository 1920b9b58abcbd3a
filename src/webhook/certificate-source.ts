// Where the webhook server's certificate comes from: a folder (`tls.crt`, `tls.key`, as a `kubernetes.io/tls`
// Secret or cert-manager mounts it), polled for a change, or a source in memory (the certificate manager), which
// tells the server of a change at once.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/index.ts';
import type { CertificatePair } from './certificates.ts';

/**
 * A serving certificate held in memory that can change, such as the {@link CertificateManager}'s: `current` is
 * served from the start, and each pair given to a `subscribe`d listener from the next connection on.
 *
 * @example
 * ```ts
 * import { type CertificateSource, createCertificateAuthority, issueServingCertificate } from 'capstan/webhook';
 * const ca = createCertificateAuthority({ commonName: 'demo-ca' });
 * const pair = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
 * const fixed: CertificateSource = { current: pair, subscribe: () => () => undefined };
 * ```
 */
export interface CertificateSource {
  /** The pair to serve now; undefined while there is none yet. */
  readonly current: CertificatePair | undefined;
  /** Call `listener` with each new pair; returns the unsubscribe function. */
  subscribe(listener: (pair: CertificatePair) => void): () => void;
}

/** A running feed of the serving certificate to the server. */
export interface CertificateFeed {
  readonly initial: CertificatePair;
  stop(): void;
}

/**
 * The certificate of `source` (in memory) or of the folder `certDir`, and each new one after it given to
 * `onChange`: a folder is checked every `checkMs` for files with a new modification time.
 */
export async function certificateFeed(
  from: { certDir?: string | undefined; certificates?: CertificateSource | undefined; certCheckMs?: number | undefined },
  log: Logger,
  onChange: (pair: CertificatePair) => void,
): Promise<CertificateFeed> {
  if (from.certificates) {
    const initial = from.certificates.current;
    if (!initial) throw new Error('serveWebhooks: the certificate source has no certificate yet; start it (and wait for it) first');
    return { initial, stop: from.certificates.subscribe(onChange) };
  }
  const certDir = from.certDir;
  if (certDir === undefined) throw new Error('serveWebhooks: give certDir (a folder with tls.crt and tls.key) or certificates');
  const certFile = join(certDir, 'tls.crt');
  const keyFile = join(certDir, 'tls.key');
  const readPair = async () => ({ cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') });
  const stamp = async () => `${(await stat(certFile)).mtimeMs}:${(await stat(keyFile)).mtimeMs}`;
  let certStamp = await stamp();
  const initial = await readPair();
  // A renewed certificate (same files, new contents) is served from the next connection on.
  const check = setInterval(() => {
    void (async () => {
      try {
        const now = await stamp();
        if (now === certStamp) return;
        onChange(await readPair());
        certStamp = now;
        log.info({ certDir }, 'serving the renewed webhook certificate');
      } catch (err) {
        log.warn({ certDir, err: (err as Error).message }, 'webhook certificate unreadable; still serving the previous one');
      }
    })();
  }, from.certCheckMs ?? 10_000);
  check.unref();
  return { initial, stop: () => clearInterval(check) };
}
