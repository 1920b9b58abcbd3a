// Closing the webhook server ends every connection: one the API server opened and never used too (Node's own
// closeIdleConnections misses those), one whose handshake ends after the close began, and one with a request in
// flight once its answer is sent.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { connect as connectTcp } from 'node:net';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { defineKind, type KubeObject } from '../core/index.ts';
import { webhook } from './admission.ts';
import type { CertificatePair } from './certificates.ts';
import { createCertificateAuthority, issueServingCertificate } from './certificates.ts';
import { serveWebhooks } from './server.ts';

const Thing = defineKind<KubeObject>({ group: 'example.com', version: 'v1', kind: 'Thing', plural: 'things', namespaced: true });

async function serveThings(serving: CertificatePair, handler: () => Promise<void> | void = () => undefined) {
  return serveWebhooks([webhook(Thing).validate(handler)], {
    certificates: { current: serving, subscribe: () => () => undefined },
    host: '127.0.0.1',
    port: 0,
  });
}

test('close() ends an unused TLS connection at once, and a busy one after its answer', async () => {
  const ca = createCertificateAuthority({ commonName: 'close-test-ca' });
  const serving: CertificatePair = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
  let release: () => void = () => undefined;
  const answering = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = await serveThings(serving, async () => {
    await answering;
  });

  // An unused connection, as the API server keeps in its pool.
  const idle = connect({
    host: '127.0.0.1',
    port: server.port,
    ca: ca.cert,
    servername: 'localhost',
    checkServerIdentity: () => undefined,
  });
  await new Promise<void>((resolve, reject) => idle.once('secureConnect', resolve).once('error', reject));
  const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
  idle.on('error', () => undefined);

  // A request in flight: its answer waits for `release`.
  const review = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u1',
      kind: {},
      resource: {},
      operation: 'CREATE',
      userInfo: {},
      namespace: 'ns',
      name: 'a',
      object: { metadata: { name: 'a' } },
    },
  });
  const answered = new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path: '/validate-example-com-v1-thing', method: 'POST', ca: ca.cert },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(review);
  });
  await new Promise((resolve) => setTimeout(resolve, 200)); // the request reaches the handler

  let closed = false;
  const closing = server.close().then(() => {
    closed = true;
  });
  await idleClosed; // the unused connection is ended at once
  assert.equal(closed, false, 'close() waits for the request in flight');
  release();
  assert.equal(await answered, 200, 'the request in flight is answered');
  await closing;
  assert.ok(closed);
});

test('close() ends a connection accepted before it whose TLS handshake ends after it', async () => {
  const ca = createCertificateAuthority({ commonName: 'close-test-ca' });
  const server = await serveThings(issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] }));
  // The TCP connection is accepted; the handshake starts only once the close has begun.
  const raw = connectTcp(server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closing = server.close();
  const late = connect({ socket: raw, ca: ca.cert, checkServerIdentity: () => undefined });
  late.on('error', () => undefined);
  const lateClosed = new Promise<void>((resolve) => late.once('close', () => resolve()));
  // Without the fix, close() waits for the client to hang up (the API server: up to 90 s idle); 5 s is the margin.
  const outcome = await Promise.race([
    closing.then(() => 'closed'),
    new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000).unref()),
  ]);
  late.destroy(); // when the server did not end it, so that a failure does not hold the test open
  assert.equal(outcome, 'closed');
  await lateClosed;
});
