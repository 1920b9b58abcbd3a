import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import {
  bundlesUpdated,
  caBundleOf,
  caDropped,
  casInBundle,
  type CertificateState,
  certificateSecret,
  nextStep,
  readCertificateState,
  type RotationPolicy,
  stableState,
  startRotation,
  switchServing,
  trustedCas,
  verificationFailed,
  verified,
} from './certificate-rotation.ts';
import { type CertificatePair, createCertificateAuthority, issueServingCertificate } from './certificates.ts';

const t0 = Date.parse('2026-03-01T00:00:00Z');
const policy: RotationPolicy = {
  validityMs: 100_000,
  renewBeforeMs: 40_000,
  propagationMs: 5_000,
  settleMs: 3_000,
  overlapMs: 10_000,
  retryMs: 20_000,
};
const hosts = ['hooks.ops.svc', '127.0.0.1'];
const ca = (at: number) => createCertificateAuthority({ commonName: `ca-${at}`, now: new Date(at), validityMs: policy.validityMs });
const serving = (by: CertificatePair, at: number, on = hosts) =>
  issueServingCertificate(by, { commonName: on[0]!, hosts: on, now: new Date(at), validityMs: policy.validityMs });
const serial = (pair: CertificatePair) => new X509Certificate(pair.cert).serialNumber;

test('no Secret → create; an unusable one → replace', () => {
  assert.deepEqual(nextStep(undefined, t0, policy, hosts), { type: 'create' });
  assert.deepEqual(nextStep('it lacks ca.crt', t0, policy, hosts), { type: 'replace', reason: 'it lacks ca.crt' });
});

test('a full rotation, step by step, in the fixed order; the bundles always trust the served certificate', () => {
  const oldCa = ca(t0);
  let s: CertificateState = stableState(oldCa, serving(oldCa, t0), t0);
  const trusts = (state: CertificateState) => trustedCas(state).includes(`${state.ca.cert.trim()}\n`);
  // Stable: wait until renewBefore before expiry (t0 + 100 s − 40 s).
  assert.deepEqual(nextStep(s, t0 + 1_000, policy, hosts), { type: 'wait', untilMs: t0 + 60_000 });
  assert.deepEqual(nextStep(s, t0 + 60_000, policy, hosts), { type: 'start-rotation' });
  // (1) the new CA goes into the bundles while the old certificate is still served.
  const newCa = ca(t0 + 60_000);
  s = startRotation(s, newCa, t0 + 60_000);
  assert.equal(s.phase, 'adding-ca');
  assert.equal(trustedCas(s).length, 2);
  assert.ok(new X509Certificate(s.serving.cert).checkIssued(new X509Certificate(oldCa.cert)), 'still the old serving certificate');
  assert.deepEqual(nextStep(s, t0 + 60_500, policy, hosts), { type: 'add-ca' });
  // (2) bundles read back: wait for the API server.
  s = bundlesUpdated(s, t0 + 61_000);
  assert.deepEqual(nextStep(s, t0 + 62_000, policy, hosts), { type: 'wait', untilMs: t0 + 66_000 });
  assert.deepEqual(nextStep(s, t0 + 66_000, policy, hosts), { type: 'switch' });
  // (3) the switch: a certificate of the new CA, both CAs still trusted.
  const oldServing = s.serving;
  s = switchServing(s, serving(newCa, t0 + 66_000), t0 + 66_000);
  assert.equal(s.phase, 'verifying');
  assert.ok(new X509Certificate(s.serving.cert).checkIssued(new X509Certificate(newCa.cert)));
  assert.notEqual(serial(s.serving), serial(oldServing));
  assert.deepEqual(new Set(trustedCas(s)), new Set([oldCa.cert, newCa.cert]));
  assert.deepEqual(nextStep(s, t0 + 67_000, policy, hosts), { type: 'wait', untilMs: t0 + 69_000 });
  assert.deepEqual(nextStep(s, t0 + 69_000, policy, hosts), { type: 'verify' });
  s = verified(s, t0 + 69_500);
  assert.equal(s.phase, 'overlap');
  assert.ok(trusts(s));
  // (4) the old CA dropped after the overlap.
  assert.deepEqual(nextStep(s, t0 + 70_000, policy, hosts), { type: 'wait', untilMs: t0 + 79_500 });
  assert.deepEqual(nextStep(s, t0 + 79_500, policy, hosts), { type: 'drop-ca' });
  s = caDropped(s, t0 + 79_500);
  assert.equal(s.phase, 'stable');
  assert.deepEqual(trustedCas(s), [newCa.cert]);
  // The next rotation is due before the new CA expires.
  assert.deepEqual(nextStep(s, t0 + 80_000, policy, hosts), { type: 'wait', untilMs: t0 + 60_000 + 60_000 });
});

test('a failed verification serves the old certificate again and retries the switch after retryMs', () => {
  const oldCa = ca(t0);
  const newCa = ca(t0 + 1);
  const oldServing = serving(oldCa, t0);
  let s = bundlesUpdated(startRotation(stableState(oldCa, oldServing, t0), newCa, t0), t0);
  s = switchServing(s, serving(newCa, t0 + 5_000), t0 + 5_000);
  s = verificationFailed(s, t0 + 8_000, policy);
  assert.equal(s.phase, 'propagating');
  assert.equal(s.serving.cert, oldServing.cert);
  assert.equal(s.ca.cert, oldCa.cert);
  assert.equal(s.next?.cert, newCa.cert, 'the new CA stays in the bundles');
  assert.deepEqual(nextStep(s, t0 + 13_000, policy, hosts), { type: 'wait', untilMs: t0 + 28_000 });
  assert.deepEqual(nextStep(s, t0 + 28_000, policy, hosts), { type: 'switch' });
});

test('an expired serving certificate is replaced at once, whatever the phase; a missing host is reissued', () => {
  const c = ca(t0);
  const s = startRotation(stableState(c, serving(c, t0), t0), ca(t0), t0);
  assert.equal(nextStep(s, t0 + 100_001, policy, hosts).type, 'replace');
  const narrow = stableState(c, serving(c, t0, ['127.0.0.1']), t0);
  assert.deepEqual(nextStep(narrow, t0 + 1_000, policy, hosts), {
    type: 'reissue',
    reason: 'the serving certificate does not cover hooks.ops.svc',
  });
});

test('the Secret round-trips every phase, keeps resourceVersion and foreign annotations, and says what is wrong with a bad one', () => {
  const oldCa = ca(t0);
  const newCa = ca(t0 + 1);
  const states: CertificateState[] = [];
  let s: CertificateState = stableState(oldCa, serving(oldCa, t0), t0);
  states.push(s);
  s = startRotation(s, newCa, t0 + 1_000);
  states.push(s, bundlesUpdated(s, t0 + 2_000));
  s = switchServing(bundlesUpdated(s, t0 + 2_000), serving(newCa, t0 + 3_000), t0 + 3_000);
  states.push(s);
  s = verificationFailed(s, t0 + 4_000, policy);
  states.push(s);
  s = verified(switchServing(s, serving(newCa, t0 + 5_000), t0 + 5_000), t0 + 6_000);
  states.push(s, caDropped(s, t0 + 7_000));
  const base = { metadata: { name: 'ops-webhook-certs', namespace: 'ops', resourceVersion: '42', annotations: { keep: 'me' } } };
  for (const state of states) {
    const secret = certificateSecret(state, base);
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.equal(secret.metadata?.resourceVersion, '42');
    assert.equal(secret.metadata?.annotations?.['keep'], 'me');
    assert.deepEqual(readCertificateState(secret), state, state.phase);
  }
  const good = certificateSecret(states[0]!, { name: 'x', namespace: 'ops' });
  assert.match(readCertificateState({ ...good, data: {} }) as string, /lacks ca\.crt/);
  const otherCa = ca(t0 + 2);
  const mismatched = { ...good, data: { ...good.data, 'ca.crt': Buffer.from(otherCa.cert).toString('base64') } };
  assert.match(readCertificateState(mismatched) as string, /not issued by its ca\.crt/);
  const badPhase = { ...good, metadata: { ...good.metadata, annotations: { 'capstan.dev/certificate-phase': 'dancing' } } };
  assert.match(readCertificateState(badPhase) as string, /"dancing" is none of/);
});

test('caBundles: PEMs in and out of base64, whatever the line endings', () => {
  const a = ca(t0).cert;
  const b = ca(t0 + 1).cert;
  assert.deepEqual(casInBundle(caBundleOf([a, b])), [a, b]);
  assert.deepEqual(casInBundle(Buffer.from(a.replace(/\n/g, '\r\n')).toString('base64')), [a]);
  assert.deepEqual(casInBundle(undefined), []);
  assert.deepEqual(casInBundle(''), []);
});
