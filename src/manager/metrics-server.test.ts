// The metrics server's transport and refusals that need no API server: plain HTTP when insecure, HTTPS with a
// self-signed or given certificate, 401 without a token, 503 when the reviews cannot be made. The verdicts of a
// real API server (200 for a reader, 403, a revoked token) are in e2e/manager/metrics-auth.test.ts.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { KubeClient } from '../client/index.ts';
import { isCapstanError, silentLogger } from '../core/index.ts';
import { createCertificateAuthority, issueServingCertificate } from '../webhook/index.ts';
import { MetricsServer } from './metrics-server.ts';
import { writeInsecureKubeconfig } from '../../e2e/support/insecure-kubeconfig.ts';

let dir: string;
let refused: Server;
let client: KubeClient;
const registry = new Registry();
new Counter({ name: 'capstan_test_scrapes_total', help: 'a metric of this test', registers: [registry] }).inc(3);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-metrics-server-'));
  // An API server address where nothing answers: a port that was free, closed again before use.
  refused = createServer();
  await new Promise<void>((resolve) => refused.listen(0, '127.0.0.1', () => resolve()));
  const { port } = refused.address() as { port: number };
  await new Promise<void>((resolve) => refused.close(() => resolve()));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeInsecureKubeconfig(kubeconfigPath, port);
  client = await KubeClient.fromKubeconfig({ kubeconfigPath, timeoutMs: 5_000 });
});

after(async () => {
  await client?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  peer: { subjectaltname?: string; issuer?: Record<string, unknown> };
}

/** GET over HTTPS; without `ca` the server's certificate is accepted as it is (it is self-signed). */
function getHttps(port: number, path: string, options: { token?: string; ca?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, peer }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('insecure: plain HTTP, the registry to anyone; only GET /metrics is served, no probes', async () => {
  const server = await MetricsServer.start({ port: 0, registry, insecure: true });
  try {
    assert.equal(server.secure, false);
    const page = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), registry.contentType);
    assert.match(await page.text(), /^capstan_test_scrapes_total 3$/m);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('guarded with no certificate folder: HTTPS with a self-signed certificate for 127.0.0.1; no token is a 401 with WWW-Authenticate: Bearer', async () => {
  const server = await MetricsServer.start({ port: 0, registry, client, log: silentLogger });
  try {
    assert.equal(server.secure, true);
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/metrics`), 'plain HTTP is not served');
    const answer = await getHttps(server.port, '/metrics');
    assert.equal(answer.status, 401);
    assert.match(String(answer.headers['www-authenticate']), /^Bearer/);
    assert.match(answer.body, /^unauthorized: no bearer token: .*\n$/);
    assert.doesNotMatch(answer.body, /capstan_test_scrapes_total/);
    assert.match(answer.peer.subjectaltname ?? '', /IP Address:127\.0\.0\.1/);
  } finally {
    await server.close();
  }
});

test('guarded, the API server unreachable: a token is a 503 that says the caller could not be checked, never the metrics', async () => {
  const server = await MetricsServer.start({ port: 0, registry, client, log: silentLogger });
  try {
    const started = Date.now();
    const answer = await getHttps(server.port, '/metrics', { token: 'any-token' });
    assert.equal(answer.status, 503);
    assert.match(answer.body, /^could not check the caller's token: /);
    assert.doesNotMatch(answer.body, /capstan_test_scrapes_total/);
    // Refused at once (no answer from a closed port), well within the client's 5 s timeout.
    assert.ok(Date.now() - started < 5_000);
  } finally {
    await server.close();
  }
});

test('guarded with a certificate folder: its tls.crt is served (a client trusting its CA verifies it); an unreadable folder fails the start', async () => {
  const ca = createCertificateAuthority({ commonName: 'metrics-test-ca' });
  const pair = issueServingCertificate(ca, { commonName: 'metrics', hosts: ['127.0.0.1'] });
  const certDir = join(dir, 'certs');
  await mkdir(certDir);
  await writeFile(join(certDir, 'tls.crt'), pair.cert);
  await writeFile(join(certDir, 'tls.key'), pair.key);
  const server = await MetricsServer.start({ port: 0, registry, client, certDir, log: silentLogger });
  try {
    const answer = await getHttps(server.port, '/metrics', { ca: ca.cert });
    assert.equal(answer.status, 401);
    assert.equal(answer.peer.issuer?.['CN'], 'metrics-test-ca');
  } finally {
    await server.close();
  }
  await assert.rejects(
    MetricsServer.start({ port: 0, registry, client, certDir: join(dir, 'no-such-folder'), log: silentLogger }),
    (err: unknown) => isCapstanError(err) && /cannot read tls\.crt and tls\.key in .*no-such-folder/.test((err as Error).message),
  );
});

test('close ends open connections, and an aborted signal closes the server', async () => {
  const stop = new AbortController();
  const server = await MetricsServer.start({ port: 0, registry, insecure: true, signal: stop.signal });
  const port = server.port;
  const keepAlive = await fetch(`http://127.0.0.1:${port}/metrics`, { keepalive: true });
  await keepAlive.text();
  stop.abort();
  await server.close();
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`));
});
