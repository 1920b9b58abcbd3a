// The webhook server's /convert path over real HTTPS: one path for every kind's conversion, beside the admission paths.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { webhook } from './admission.ts';
import { createCertificateAuthority, issueServingCertificate } from './certificates.ts';
import type { ConversionReview } from './conversion-review.ts';
import { serveWebhooks } from './server.ts';
import { widgetConversion, WidgetV1, type WidgetV2, widgetV1 } from './test-support.ts';

function post(port: number, ca: string, path: string, body: string): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('/convert answers ConversionReviews beside the admission paths; without conversions it is not served', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-conversion-server-'));
  const ca = createCertificateAuthority({ commonName: 'conversion-test-ca' });
  const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
  await writeFile(join(dir, 'tls.crt'), serving.cert);
  await writeFile(join(dir, 'tls.key'), serving.key);
  const admission = webhook(WidgetV1).validate(() => undefined);
  const server = await serveWebhooks([admission, widgetConversion], { certDir: dir, host: '127.0.0.1', port: 0 });
  const admissionOnly = await serveWebhooks([admission], { certDir: dir, host: '127.0.0.1', port: 0 });
  try {
    assert.deepEqual(server.paths, ['/validate-example-com-v1-widget', '/convert']);
    const review: ConversionReview = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid: 'u-7', desiredAPIVersion: 'example.com/v2', objects: [widgetV1({ image: 'nginx:1.27', replicas: 3 })] },
    };
    const answer = await post(server.port, ca.cert, '/convert', JSON.stringify(review));
    assert.equal(answer.code, 200, answer.text);
    const body = JSON.parse(answer.text) as ConversionReview;
    assert.equal(body.response?.uid, 'u-7');
    assert.deepEqual(body.response?.result, { status: 'Success' });
    assert.deepEqual((body.response?.convertedObjects[0] as WidgetV2).spec, { repository: 'nginx', tag: '1.27', replicas: 3 });
    assert.equal(server.answered.get('/convert'), 1);
    assert.equal((await post(server.port, ca.cert, '/convert', '{not json')).code, 400);
    assert.equal((await post(admissionOnly.port, ca.cert, '/convert', JSON.stringify(review))).code, 404);
    await assert.rejects(
      serveWebhooks([widgetConversion, widgetConversion], { certDir: dir, host: '127.0.0.1', port: 0 }),
      /two conversions for widgets\.example\.com/,
    );
  } finally {
    await server.close();
    await admissionOnly.close();
    await rm(dir, { recursive: true, force: true });
  }
});
