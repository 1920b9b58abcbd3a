// X.509 certificates for webhook serving, made in-process (no openssl, no cert-manager): a CA and serving
// certificates it signs, ECDSA P-256 with SHA-256, DER-encoded by the small ASN.1 writer below. Node's crypto
// signs and parses; it cannot build a certificate, which is all this file adds.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { isIP } from 'node:net';

/**
 * A certificate and its private key, PEM-encoded: the contents of `tls.crt` and `tls.key`.
 *
 * @example
 * ```ts
 * import { mkdir, writeFile } from 'node:fs/promises';
 * import { createCertificateAuthority, type CertificatePair, issueServingCertificate } from 'capstan/webhook';
 * const ca: CertificatePair = createCertificateAuthority({ commonName: 'dev-webhook-ca' });
 * const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
 * const certDir = '/tmp/k8s-webhook-server/serving-certs'; // what serveWebhooks' certDir reads
 * await mkdir(certDir, { recursive: true });
 * await writeFile(`${certDir}/tls.crt`, serving.cert);
 * await writeFile(`${certDir}/tls.key`, serving.key, { mode: 0o600 });
 * ```
 */
export interface CertificatePair {
  /** PEM `CERTIFICATE`. */
  readonly cert: string;
  /** PEM `PRIVATE KEY` (PKCS #8). */
  readonly key: string;
}

/**
 * Options of {@link createCertificateAuthority} and {@link issueServingCertificate}.
 *
 * @noExample Options of {@link createCertificateAuthority} and {@link issueServingCertificate}; their examples show them in use.
 */
export interface CertificateOptions {
  /** The subject's common name. */
  commonName: string;
  /** How long it is valid from now, in days; default 365 for a CA, 90 for a serving certificate. */
  validityDays?: number;
  /** How long it is valid from now, in milliseconds (tests rotate certificates valid for seconds); wins over `validityDays`. */
  validityMs?: number;
  /** Now; validity starts 5 minutes earlier (clock skew between replicas and the API server). Default the clock. */
  now?: Date;
}

// ---- DER ------------------------------------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, value: Buffer) => Buffer.concat([Buffer.from([tag]), length(value.length), value]);
const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, value: Buffer) => tlv(0xa0 + n, value);
const octets = (value: Buffer) => tlv(0x04, value);
const bits = (value: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), value]));
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));

function integer(value: Buffer): Buffer {
  let v = value;
  while (v.length > 1 && v[0] === 0 && v[1]! < 0x80) v = v.subarray(1);
  return tlv(0x02, v[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime up to 2049, GeneralizedTime after, as RFC 5280 requires. */
function time(date: Date): Buffer {
  const iso = date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

const name = (commonName: string) => sequence(set(sequence(oid('2.5.4.3'), utf8(commonName))));
const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** The key usage bits, first bit first: digitalSignature (0), keyEncipherment (2), keyCertSign (5), cRLSign (6). */
function keyUsage(...bitNumbers: number[]): Buffer {
  let byte = 0;
  for (const n of bitNumbers) byte |= 0x80 >> n;
  const unused = Math.min(...bitNumbers.map((n) => 7 - n));
  return tlv(0x03, Buffer.from([unused, byte]));
}

function subjectAltName(names: readonly string[]): Buffer {
  return sequence(
    ...names.map((n) => {
      if (isIP(n) === 4) return tlv(0x87, Buffer.from(n.split('.').map(Number)));
      if (isIP(n) === 6) return tlv(0x87, ipv6Bytes(n));
      return tlv(0x82, Buffer.from(n, 'ascii'));
    }),
  );
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** A key identifier: the SHA-1 of the SubjectPublicKeyInfo (RFC 5280 asks only that it identify the key). */
function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

// ---- certificates -----------------------------------------------------------------------------------------------

function certificate(options: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  issuerPublicKey: KeyObject;
  validityMs: number;
  now: Date | undefined;
  extensions: Buffer[];
}): string {
  const now = (options.now ?? new Date()).getTime();
  const notBefore = new Date(now - 5 * 60_000);
  const notAfter = new Date(now + options.validityMs);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // positive
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ecdsaWithSha256,
    name(options.issuer),
    sequence(time(notBefore), time(notAfter)),
    name(options.subject),
    options.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      sequence(
        ...options.extensions,
        extension('2.5.29.14', false, octets(keyId(options.publicKey))), // subjectKeyIdentifier
        extension('2.5.29.35', false, sequence(tlv(0x80, keyId(options.issuerPublicKey)))), // authorityKeyIdentifier
      ),
    ),
  );
  const signature = sign('sha256', tbs, options.signingKey); // ECDSA, DER-encoded (r, s)
  const der = sequence(tbs, ecdsaWithSha256, bits(signature));
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}

function keyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/**
 * A new certificate authority: a self-signed CA certificate (path length 0: it signs serving certificates only)
 * and its key. Its PEM, base64-encoded, is the `caBundle` of webhook configurations and CRD conversion stanzas.
 *
 * @example
 * ```ts
 * import { createCertificateAuthority, issueServingCertificate } from 'capstan/webhook';
 * const ca = createCertificateAuthority({ commonName: 'web-app-operator-webhook-ca' });
 * const serving = issueServingCertificate(ca, { commonName: 'web-app-operator-webhooks.web-app-system.svc', hosts: ['web-app-operator-webhooks.web-app-system.svc', '127.0.0.1'] });
 * console.log(serving.cert.startsWith('-----BEGIN CERTIFICATE-----'));
 * ```
 */
export function createCertificateAuthority(options: CertificateOptions): CertificatePair {
  const { publicKey, privateKey } = keyPair();
  const cert = certificate({
    subject: options.commonName,
    issuer: options.commonName,
    publicKey,
    signingKey: privateKey,
    issuerPublicKey: publicKey,
    validityMs: options.validityMs ?? (options.validityDays ?? 365) * 86_400_000,
    now: options.now,
    extensions: [
      extension('2.5.29.19', true, sequence(bool(true), integer(Buffer.from([0])))), // basicConstraints CA, pathLen 0
      extension('2.5.29.15', true, keyUsage(0, 5, 6)), // digitalSignature, keyCertSign, cRLSign
    ],
  });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/**
 * A serving certificate signed by `ca` for `hosts` (DNS names, such as the webhook Service's
 * `<name>.<namespace>.svc`, and IP addresses), for TLS server authentication. The API server checks the host it
 * calls against `hosts` (subject alternative names), never the common name. Throws a `RangeError` without hosts.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { createCertificateAuthority, issueServingCertificate, serveWebhooks, webhook, webhookConfigurations } from 'capstan/webhook';
 * // Webhooks served on this machine for a local control plane, registered by url.
 * const definitions = [webhook(ConfigMap).validate(() => undefined)];
 * const ca = createCertificateAuthority({ commonName: 'local-webhook-ca', validityDays: 1 });
 * const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'], validityDays: 1 });
 * const certificates = { current: serving, subscribe: () => () => undefined };
 * const server = await serveWebhooks(definitions, { certificates, host: '127.0.0.1', port: 0 });
 * const caBundle = Buffer.from(ca.cert).toString('base64');
 * const { validating } = webhookConfigurations(definitions, { name: 'my-operator-local', clientConfig: { url: `https://127.0.0.1:${server.port}`, caBundle } });
 * ```
 */
export function issueServingCertificate(ca: CertificatePair, options: CertificateOptions & { hosts: readonly string[] }): CertificatePair {
  if (options.hosts.length === 0) throw new RangeError('issueServingCertificate: give at least one host (a DNS name or an IP address)');
  const caKey = createPrivateKey(ca.key);
  const caCert = new X509Certificate(ca.cert);
  const { publicKey, privateKey } = keyPair();
  const cert = certificate({
    subject: options.commonName,
    issuer: caCert.subject.replace(/^CN=/, ''),
    publicKey,
    signingKey: caKey,
    issuerPublicKey: createPublicKey(caKey),
    validityMs: options.validityMs ?? (options.validityDays ?? 90) * 86_400_000,
    now: options.now,
    extensions: [
      extension('2.5.29.19', true, sequence()), // basicConstraints: not a CA
      extension('2.5.29.15', true, keyUsage(0)), // digitalSignature (ECDSA key agreement is not needed for TLS 1.2+ ECDHE)
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage serverAuth
      extension('2.5.29.17', false, subjectAltName(options.hosts)),
    ],
  });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
