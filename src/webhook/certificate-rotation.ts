// The webhook certificates' life as a pure state machine: what the Secret holds (a CA, the serving certificate it
// signed, and mid-rotation the next or the previous CA), read from and written to a `kubernetes.io/tls` Secret,
// and `nextStep(state, now)`: what a replica should do next. The I/O loop (certificate-manager.ts) only carries
// the steps out. Every replica reads the same Secret, so they agree on the phase; a replica that restarts in the
// middle of a rotation reads where it stood and carries on.
//
// A rotation goes, in this order, so that the API server never meets a serving certificate it does not trust:
//   stable       bundles = [ca]                 serve ca's certificate
//   adding-ca    bundles = [ca, next]           a new CA made; its PEM is being added to every caBundle
//   propagating  bundles = [ca, next]           every caBundle read back with it; wait `propagationMs`
//   verifying    bundles = [previous, ca]       serve the new CA's certificate; after `settleMs`, a dry-run
//                                               request through the webhook proves the API server takes it,
//                                               else back to propagating with the old certificate, retried later
//   overlap      bundles = [previous, ca]       wait `overlapMs` (replicas still serving the old one are trusted)
//   stable       bundles = [ca]                 the old CA dropped
import { X509Certificate } from 'node:crypto';
import type { Secret } from '../kinds/core/v1.ts';
import type { CertificatePair } from './certificates.ts';

/**
 * Where a rotation stands, as the Secret's `capstan.dev/certificate-phase` annotation says: `stable` (one CA
 * trusted), `adding-ca` (a new CA being added to every caBundle), `propagating` (waiting for the API server to load
 * it), `verifying` (serving a certificate of the new CA, about to check that the API server takes it), `overlap`
 * (the old CA still trusted for a while).
 *
 * @example
 * ```ts
 * import type { CertificateManager, RotationPhase } from 'capstan/webhook';
 * declare const certificates: CertificateManager;
 * const rotating = (phase: RotationPhase | undefined): boolean => phase !== undefined && phase !== 'stable';
 * console.log(rotating(certificates.phase));
 * ```
 */
export type RotationPhase = 'stable' | 'adding-ca' | 'propagating' | 'verifying' | 'overlap';

/** The webhook certificates as the Secret holds them. */
export interface CertificateState {
  readonly phase: RotationPhase;
  /** When the phase began (ms since the epoch). */
  readonly sinceMs: number;
  /** No step before this time (set when a verification failed: the retry waits). */
  readonly notBeforeMs?: number;
  /** The CA that signed `serving`. */
  readonly ca: CertificatePair;
  /** The certificate every replica serves. */
  readonly serving: CertificatePair;
  /** The new CA, while it is added to the bundles (adding-ca, propagating). */
  readonly next?: CertificatePair;
  /** The CA before the switch, still trusted (verifying, overlap), and while verifying its serving certificate to go back to. */
  readonly previous?: { readonly ca: CertificatePair; readonly serving?: CertificatePair };
}

/**
 * The timings of a rotation; {@link defaultRotationPolicy} has the defaults.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { CertificateManager, type RotationPolicy } from 'capstan/webhook';
 * // Short-lived certificates: valid for 30 days, rotated 10 days before they expire.
 * const policy: Partial<RotationPolicy> = { validityMs: 30 * 86_400_000, renewBeforeMs: 10 * 86_400_000 };
 * const certificates = new CertificateManager({
 *   client: await KubeClient.fromKubeconfig(),
 *   secret: { name: 'web-app-operator-webhook-certs', namespace: 'web-app-system' },
 *   hosts: ['web-app-operator-webhook-service.web-app-system.svc'],
 *   policy,
 * });
 * ```
 */
export interface RotationPolicy {
  /** How long a new CA and serving certificate are valid. */
  validityMs: number;
  /** A rotation starts this long before the CA or the serving certificate expires. */
  renewBeforeMs: number;
  /** After every caBundle reads back with the new CA, how long the API server is given to load it. */
  propagationMs: number;
  /** After the switch, how long every replica is given to serve the new certificate before the verification. */
  settleMs: number;
  /** How long the old CA stays in the bundles after the verified switch. */
  overlapMs: number;
  /** How long after a failed verification the switch is tried again. */
  retryMs: number;
}

/**
 * Defaults: certificates valid for a year, rotated 30 days before expiry (a month to notice a rotation that keeps
 * failing), 60 s for the API servers to load a new caBundle (their informers usually take well under a second;
 * the margin covers several API servers and a loaded one), 30 s for the replicas to serve the new certificate
 * (three of their 10 s Secret reads), 10 minutes of overlap, a retry every 5 minutes.
 *
 * @example
 * ```ts
 * import { defaultRotationPolicy } from 'capstan/webhook';
 * console.log(defaultRotationPolicy.renewBeforeMs / 86_400_000); // 30: days before expiry that a rotation starts
 * ```
 */
export const defaultRotationPolicy: RotationPolicy = Object.freeze({
  validityMs: 365 * 86_400_000,
  renewBeforeMs: 30 * 86_400_000,
  propagationMs: 60_000,
  settleMs: 30_000,
  overlapMs: 10 * 60_000,
  retryMs: 5 * 60_000,
});

/** What a replica does next, given the Secret's state and the time. */
export type RotationStep =
  /** No Secret yet: make a CA and serving certificate and create it (on AlreadyExists, read the winner's). */
  | { readonly type: 'create' }
  /** The Secret cannot be used (`reason`), or its serving certificate has expired: replace it with a fresh pair at once. */
  | { readonly type: 'replace'; readonly reason: string }
  /** The serving certificate lacks a host (`reason`): a new one from the same CA, which every caBundle already trusts. */
  | { readonly type: 'reissue'; readonly reason: string }
  /** Expiry is near: make the next CA (→ adding-ca). */
  | { readonly type: 'start-rotation' }
  /** Add the next CA to every caBundle and read them back (→ propagating). */
  | { readonly type: 'add-ca' }
  /** Serve a certificate of the next CA (→ verifying). */
  | { readonly type: 'switch' }
  /** A dry-run request through the webhook (→ overlap, or back to propagating with the old certificate). */
  | { readonly type: 'verify' }
  /** Drop the previous CA from every caBundle (→ stable). */
  | { readonly type: 'drop-ca' }
  /** Nothing to do before `untilMs`. */
  | { readonly type: 'wait'; readonly untilMs: number };

/**
 * The next step for `state` at `nowMs`: `undefined` state means no Secret, a string means an unusable one.
 * `hosts` are the names the serving certificate must cover.
 */
export function nextStep(
  state: CertificateState | string | undefined,
  nowMs: number,
  policy: RotationPolicy,
  hosts: readonly string[],
): RotationStep {
  if (state === undefined) return { type: 'create' };
  if (typeof state === 'string') return { type: 'replace', reason: state };
  const servingEnd = notAfterMs(state.serving.cert);
  if (nowMs >= servingEnd) return { type: 'replace', reason: `the serving certificate expired at ${new Date(servingEnd).toISOString()}` };
  if (state.notBeforeMs !== undefined && nowMs < state.notBeforeMs) return { type: 'wait', untilMs: state.notBeforeMs };
  switch (state.phase) {
    case 'stable': {
      const missing = hosts.filter((h) => !covers(state.serving.cert, h));
      if (missing.length > 0) return { type: 'reissue', reason: `the serving certificate does not cover ${missing.join(', ')}` };
      const renewAt = Math.min(notAfterMs(state.ca.cert), servingEnd) - policy.renewBeforeMs;
      return nowMs >= renewAt ? { type: 'start-rotation' } : { type: 'wait', untilMs: renewAt };
    }
    case 'adding-ca':
      return { type: 'add-ca' };
    case 'propagating': {
      const until = state.sinceMs + policy.propagationMs;
      return nowMs >= until ? { type: 'switch' } : { type: 'wait', untilMs: until };
    }
    case 'verifying': {
      const until = state.sinceMs + policy.settleMs;
      return nowMs >= until ? { type: 'verify' } : { type: 'wait', untilMs: until };
    }
    case 'overlap': {
      const until = state.sinceMs + policy.overlapMs;
      return nowMs >= until ? { type: 'drop-ca' } : { type: 'wait', untilMs: until };
    }
  }
}

// ---- transitions (pure: the certificates are made by the caller) ------------------------------------------------

/** stable → adding-ca with `next` as the new CA. */
export const startRotation = (s: CertificateState, next: CertificatePair, nowMs: number): CertificateState => ({
  phase: 'adding-ca',
  sinceMs: nowMs,
  ca: s.ca,
  serving: s.serving,
  next,
});

/** adding-ca → propagating: every caBundle read back with the next CA. */
export const bundlesUpdated = (s: CertificateState, nowMs: number): CertificateState => ({ ...s, phase: 'propagating', sinceMs: nowMs });

/** propagating → verifying: serve `serving`, signed by the next CA, which becomes the CA; the old pair is kept to go back to. */
export const switchServing = (s: CertificateState, serving: CertificatePair, nowMs: number): CertificateState => ({
  phase: 'verifying',
  sinceMs: nowMs,
  ca: s.next!,
  serving,
  previous: { ca: s.ca, serving: s.serving },
});

/** verifying → overlap: the API server took the new certificate. */
export const verified = (s: CertificateState, nowMs: number): CertificateState => ({
  phase: 'overlap',
  sinceMs: nowMs,
  ca: s.ca,
  serving: s.serving,
  previous: { ca: s.previous!.ca },
});

/** verifying → propagating with the old certificate served again, retried no earlier than `retryMs` from now. */
export const verificationFailed = (s: CertificateState, nowMs: number, policy: RotationPolicy): CertificateState => ({
  phase: 'propagating',
  sinceMs: nowMs,
  notBeforeMs: nowMs + policy.retryMs,
  ca: s.previous!.ca,
  serving: s.previous!.serving!,
  next: s.ca,
});

/** overlap → stable: the old CA is gone from every caBundle. */
export const caDropped = (s: CertificateState, nowMs: number): CertificateState => ({
  phase: 'stable',
  sinceMs: nowMs,
  ca: s.ca,
  serving: s.serving,
});

/** A fresh state (create, replace) or the same CA with a new serving certificate (reissue). */
export const stableState = (ca: CertificatePair, serving: CertificatePair, nowMs: number): CertificateState => ({
  phase: 'stable',
  sinceMs: nowMs,
  ca,
  serving,
});

/** The CA certificates every caBundle must hold in `state`, in a stable order (oldest first). */
export function trustedCas(state: CertificateState): string[] {
  return [state.previous?.ca.cert, state.ca.cert, state.next?.cert].filter((c): c is string => c !== undefined).map(normalizePem);
}

// ---- certificates -----------------------------------------------------------------------------------------------

/** When a PEM certificate expires (ms since the epoch). */
export function notAfterMs(pem: string): number {
  return new Date(new X509Certificate(pem).validTo).getTime();
}

function covers(pem: string, host: string): boolean {
  const cert = new X509Certificate(pem);
  return (/^[\d.]+$/.test(host) || host.includes(':') ? cert.checkIP(host) : cert.checkHost(host)) !== undefined;
}

/** The PEM `CERTIFICATE` blocks of `text` (a caBundle, decoded), each normalized. */
export function pemBlocks(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(normalizePem);
}

function normalizePem(pem: string): string {
  return `${pem.trim().replace(/\r\n/g, '\n')}\n`;
}

/** The base64 `caBundle` of `cas` (PEMs): what webhook configurations and CRD conversion stanzas hold. */
export const caBundleOf = (cas: readonly string[]): string => Buffer.from(cas.join('')).toString('base64');

/** The PEMs in a base64 `caBundle`; none for an empty or missing one. */
export const casInBundle = (bundle: string | undefined): string[] => pemBlocks(Buffer.from(bundle ?? '', 'base64').toString('utf8'));

// ---- the Secret -------------------------------------------------------------------------------------------------

/**
 * The annotations of the certificate Secret that carry the rotation's phase, so every replica agrees and one that
 * restarts carries on. Read them to see where a rotation stands; do not write them.
 *
 * @example
 * ```ts
 * import { Secret } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * import { rotationAnnotations } from 'capstan/webhook';
 * const client = await KubeClient.fromKubeconfig();
 * const secret = await client.resource(Secret).get('web-app-operator-webhook-certs', { namespace: 'web-app-system' });
 * console.log(secret.metadata?.annotations?.[rotationAnnotations.phase] ?? 'stable');
 * ```
 */
export const rotationAnnotations = Object.freeze({
  /** The {@link RotationPhase}; absent means `stable`. */
  phase: 'capstan.dev/certificate-phase',
  /** When the phase began (RFC 3339). */
  since: 'capstan.dev/certificate-phase-since',
  /** No step before this time (RFC 3339): set after a failed verification, so the retry waits. */
  notBefore: 'capstan.dev/certificate-retry-after',
});

const phases: readonly RotationPhase[] = ['stable', 'adding-ca', 'propagating', 'verifying', 'overlap'];

/**
 * The state a Secret holds, or a string saying why it cannot be used. Data keys: `tls.crt`, `tls.key`, `ca.crt`
 * (as a `kubernetes.io/tls` Secret with its issuer), `ca.key`, and mid-rotation `next-ca.crt`/`next-ca.key` or
 * `previous-ca.crt`/`previous-ca.key` (with `previous-tls.crt`/`previous-tls.key` while verifying).
 */
export function readCertificateState(secret: Secret): CertificateState | string {
  const data = secret.data ?? {};
  const text = (key: string) => (data[key] ? Buffer.from(data[key], 'base64').toString('utf8') : undefined);
  const pair = (cert: string, key: string): CertificatePair | undefined => {
    const c = text(cert);
    const k = text(key);
    return c && k ? { cert: c, key: k } : undefined;
  };
  const annotations = secret.metadata?.annotations ?? {};
  const phase = (annotations[rotationAnnotations.phase] ?? 'stable') as RotationPhase;
  if (!phases.includes(phase)) return `its ${rotationAnnotations.phase} annotation "${phase}" is none of ${phases.join(', ')}`;
  const ca = pair('ca.crt', 'ca.key');
  const serving = pair('tls.crt', 'tls.key');
  if (!ca || !serving) return 'it lacks ca.crt, ca.key, tls.crt or tls.key';
  const next = pair('next-ca.crt', 'next-ca.key');
  const previousCa = pair('previous-ca.crt', 'previous-ca.key');
  const previousServing = pair('previous-tls.crt', 'previous-tls.key');
  const sinceText = annotations[rotationAnnotations.since];
  const sinceMs = sinceText ? Date.parse(sinceText) : 0;
  const notBeforeText = annotations[rotationAnnotations.notBefore];
  try {
    const caCert = new X509Certificate(ca.cert);
    if (!new X509Certificate(serving.cert).checkIssued(caCert)) return 'its tls.crt was not issued by its ca.crt';
  } catch (err) {
    return `a certificate in it does not parse: ${(err as Error).message}`;
  }
  if ((phase === 'adding-ca' || phase === 'propagating') && !next) return `phase ${phase} without next-ca.crt and next-ca.key`;
  if ((phase === 'verifying' || phase === 'overlap') && !previousCa) return `phase ${phase} without previous-ca.crt and previous-ca.key`;
  if (phase === 'verifying' && !previousServing) return 'phase verifying without previous-tls.crt and previous-tls.key';
  return {
    phase,
    sinceMs: Number.isNaN(sinceMs) ? 0 : sinceMs,
    ...(notBeforeText && !Number.isNaN(Date.parse(notBeforeText)) ? { notBeforeMs: Date.parse(notBeforeText) } : {}),
    ca,
    serving,
    ...(next && (phase === 'adding-ca' || phase === 'propagating') ? { next } : {}),
    ...(previousCa && (phase === 'verifying' || phase === 'overlap')
      ? { previous: { ca: previousCa, ...(phase === 'verifying' && previousServing ? { serving: previousServing } : {}) } }
      : {}),
  };
}

/**
 * `secret` (or a new one named `name` in `namespace`) holding `state`: data and annotations replaced, the rest
 * (resourceVersion, labels, other annotations) kept, so an update carries the precondition.
 */
export function certificateSecret(state: CertificateState, base: Secret | { name: string; namespace: string }): Secret {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const data: Record<string, string> = {
    'tls.crt': b64(state.serving.cert),
    'tls.key': b64(state.serving.key),
    'ca.crt': b64(state.ca.cert),
    'ca.key': b64(state.ca.key),
  };
  if (state.next) Object.assign(data, { 'next-ca.crt': b64(state.next.cert), 'next-ca.key': b64(state.next.key) });
  if (state.previous)
    Object.assign(data, { 'previous-ca.crt': b64(state.previous.ca.cert), 'previous-ca.key': b64(state.previous.ca.key) });
  if (state.previous?.serving) {
    Object.assign(data, { 'previous-tls.crt': b64(state.previous.serving.cert), 'previous-tls.key': b64(state.previous.serving.key) });
  }
  const metadata = 'metadata' in base ? base.metadata : { name: base.name, namespace: base.namespace };
  const annotations: Record<string, string> = { ...(metadata?.annotations ?? {}) };
  for (const key of Object.values(rotationAnnotations)) delete annotations[key];
  annotations[rotationAnnotations.phase] = state.phase;
  annotations[rotationAnnotations.since] = new Date(state.sinceMs).toISOString();
  if (state.notBeforeMs !== undefined) annotations[rotationAnnotations.notBefore] = new Date(state.notBeforeMs).toISOString();
  return {
    ...('metadata' in base ? base : {}),
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { ...metadata, annotations },
    type: 'kubernetes.io/tls',
    data,
  };
}
