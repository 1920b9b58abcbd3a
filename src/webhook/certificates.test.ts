import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createCertificateAuthority, issueServingCertificate } from './certificates.ts';

test('a CA and a serving certificate it signs: parsed and verified by Node, with the hosts and usages asked for', () => {
  const now = new Date('2026-12-04T10:00:00Z');
  const ca = createCertificateAuthority({ commonName: 'test-webhook-ca', now });
  const serving = issueServingCertificate(ca, {
    commonName: 'hooks.ops.svc',
    hosts: ['hooks.ops.svc', 'hooks.ops.svc.cluster.local', '127.0.0.1', '::1'],
    now,
    validityDays: 30,
  });
  const caCert = new X509Certificate(ca.cert);
  const cert = new X509Certificate(serving.cert);
  assert.equal(caCert.ca, true);
  assert.equal(cert.ca, false);
  assert.ok(caCert.verify(caCert.publicKey), 'the CA is self-signed');
  assert.ok(cert.verify(caCert.publicKey), 'the serving certificate is signed by the CA');
  assert.ok(cert.checkIssued(caCert));
  assert.equal(cert.subject, 'CN=hooks.ops.svc');
  assert.equal(cert.issuer, 'CN=test-webhook-ca');
  assert.equal(cert.subjectAltName, 'DNS:hooks.ops.svc, DNS:hooks.ops.svc.cluster.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.ok(cert.checkHost('hooks.ops.svc'));
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(new Date(cert.validTo).getTime() - now.getTime(), 30 * 86_400_000, 'valid for 30 days from now');
  assert.ok(new Date(cert.validFrom) < now);
  const brief = issueServingCertificate(ca, { commonName: 'brief', hosts: ['127.0.0.1'], now, validityMs: 20_000 });
  assert.equal(new Date(new X509Certificate(brief.cert).validTo).getTime() - now.getTime(), 20_000, 'validityMs wins');
  // The key is the certificate's.
  assert.deepEqual(
    createPublicKey(createPrivateKey(serving.key)).export({ type: 'spki', format: 'der' }),
    cert.publicKey.export({ type: 'spki', format: 'der' }),
  );
  assert.throws(() => issueServingCertificate(ca, { commonName: 'x', hosts: [] }), /at least one host/);
});

test('openssl verifies the chain for TLS server use', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-certs-'));
  try {
    const ca = createCertificateAuthority({ commonName: 'openssl-check-ca' });
    const serving = issueServingCertificate(ca, { commonName: 'localhost', hosts: ['localhost', '127.0.0.1'] });
    await writeFile(join(dir, 'ca.crt'), ca.cert);
    await writeFile(join(dir, 'tls.crt'), serving.cert);
    const { stdout } = await promisify(execFile)('openssl', [
      'verify',
      '-purpose',
      'sslserver',
      '-x509_strict',
      '-CAfile',
      join(dir, 'ca.crt'),
      join(dir, 'tls.crt'),
    ]);
    assert.match(stdout, /tls\.crt: OK/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
