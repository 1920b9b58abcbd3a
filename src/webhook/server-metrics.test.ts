// The webhook server's metrics hook, over real HTTPS: which requests it counts, with which code, and when.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineKind, type KubeObject } from '../core/index.ts';
import { webhook } from './admission.ts';
import { createCertificateAuthority, issueServingCertificate } from './certificates.ts';
import { serveWebhooks, type WebhookServerMetrics } from './server.ts';

const Thing = defineKind<KubeObject>({ group: 'example.com', version: 'v1', kind: 'Thing', plural: 'things', namespaced: true });
const path = '/validate-example-com-v1-thing';

/**
 * POST `body` to the server; `hangUpAfterMs` closes the connection before the answer, as the API server does at its
 * timeout; `onAnswer` runs the moment the whole answer has arrived.
 */
function post(
  port: number,
  ca: string,
  at: string,
  body: string,
  { hangUpAfterMs, onAnswer }: { hangUpAfterMs?: number; onAnswer?: () => void } = {},
): Promise<number | 'hung up'> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: at, method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => {
          onAnswer?.();
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', (err) => (hangUpAfterMs === undefined ? reject(err) : resolve('hung up')));
    req.end(body);
    if (hangUpAfterMs !== undefined) setTimeout(() => req.destroy(), hangUpAfterMs);
  });
}

async function servingCertificate(): Promise<{ dir: string; ca: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-webhook-metrics-'));
  const ca = createCertificateAuthority({ commonName: 'metrics-test-ca' });
  const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
  await writeFile(join(dir, 'tls.crt'), serving.cert);
  await writeFile(join(dir, 'tls.key'), serving.key);
  return { dir, ca: ca.cert };
}

const reviewOf = (name: string) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: name,
      kind: {},
      resource: {},
      name,
      namespace: 'ns',
      operation: 'CREATE',
      userInfo: {},
      object: { metadata: { name } },
    },
  });

test('each admission request is reported once, with the code sent, or 499 when the caller hung up; other paths are not', async () => {
  const { dir, ca } = await servingCertificate();
  const events: string[] = [];
  const metrics: WebhookServerMetrics = {
    started(at) {
      events.push(`start ${at}`);
      return (code) => events.push(`done ${at} ${code}`);
    },
  };
  const slow = webhook(Thing).validate(
    async ({ signal, name }) => {
      if (name === 'slow') await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
    { timeoutSeconds: 1 },
  );
  const server = await serveWebhooks([slow], { certDir: dir, host: '127.0.0.1', port: 0, metrics });
  try {
    assert.equal(await post(server.port, ca, path, reviewOf('fast')), 200);
    assert.equal(await post(server.port, ca, path, 'not json'), 400);
    assert.equal(await post(server.port, ca, '/validate-nothing-here', reviewOf('fast')), 404);
    const hungUp = Date.now();
    assert.equal(await post(server.port, ca, path, reviewOf('slow'), { hangUpAfterMs: 100 }), 'hung up');
    // Reported when the connection closed, not when the handler's 1 s signal fired.
    const deadline = Date.now() + 2000;
    while (events.length < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(Date.now() - hungUp < 900, `the hang-up was reported after ${Date.now() - hungUp} ms`);
    assert.deepEqual(events, [
      `start ${path}`,
      `done ${path} 200`,
      `start ${path}`,
      `done ${path} 400`,
      `start ${path}`,
      `done ${path} 499`,
    ]);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an answer is counted before the caller has it: a scrape after the write it admitted sees it', async () => {
  const { dir, ca } = await servingCertificate();
  let counted = 0;
  const metrics: WebhookServerMetrics = { started: () => () => counted++ };
  // A handler that waits (as one that reads or calls out does): the answer is written from a timer, and the caller's
  // read of it can come before the server's connection reports the write done.
  const waits = webhook(Thing).validate(async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
  });
  const server = await serveWebhooks([waits], { certDir: dir, host: '127.0.0.1', port: 0, metrics });
  try {
    const seenAtAnswer: number[] = [];
    for (let i = 1; i <= 10; i++) {
      assert.equal(await post(server.port, ca, path, reviewOf(`n${i}`), { onAnswer: () => seenAtAnswer.push(counted) }), 200);
    }
    assert.deepEqual(seenAtAnswer, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
