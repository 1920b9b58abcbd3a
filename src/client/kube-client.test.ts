// The client against a server that accepts TCP connections but never answers the TLS handshake, as behind a
// path that delays or swallows packets: timeouts and aborts must still end the request on time.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createSecureServer } from 'node:http2';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClientError } from './api-error.ts';
import { KubeClient, yamlSafeJson } from './kube-client.ts';
import { writeInsecureKubeconfig } from '../../e2e/support/insecure-kubeconfig.ts';

let dir: string;
let silent: Server;
const sockets = new Set<Socket>();
let kubeconfigPath: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-kube-client-'));
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const { port } = silent.address() as { port: number };
  kubeconfigPath = join(dir, 'kubeconfig');
  await writeInsecureKubeconfig(kubeconfigPath, port);
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

test('a request whose TLS handshake hangs fails at its own timeout, not the connect timeout', async () => {
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath, timeoutMs: 30_000 });
  const started = Date.now();
  await assert.rejects(
    client.request({ path: '/api/v1/namespaces/default', timeoutMs: 300 }),
    (err: unknown) => err instanceof ClientError && err.code === 'REQUEST_TIMEOUT',
  );
  const tookMs = Date.now() - started;
  assert.ok(tookMs < 2_000, `gave up after ${tookMs} ms`);
  await client.close();
});

test("a request whose TLS handshake hangs ends as soon as its caller aborts, with the caller's reason", async () => {
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath, timeoutMs: 30_000 });
  const abort = new AbortController();
  const started = Date.now();
  setTimeout(() => abort.abort(new Error('leadership lost')), 200);
  await assert.rejects(
    client.request({ method: 'PUT', path: '/api/v1/namespaces/default/configmaps/x', body: {}, signal: abort.signal }),
    /leadership lost/,
  );
  const tookMs = Date.now() - started;
  assert.ok(tookMs < 2_000, `gave up after ${tookMs} ms`);
  await client.close();
});

test('closing the client ends a connection still in its TLS handshake (a stopping process does not wait out the connect timeout)', async () => {
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath, timeoutMs: 30_000 });
  const before = new Set(sockets);
  await assert.rejects(
    client.request({ path: '/api/v1/namespaces/default', timeoutMs: 300 }),
    (err: unknown) => err instanceof ClientError && err.code === 'REQUEST_TIMEOUT',
  );
  const opened = [...sockets].filter((s) => !before.has(s));
  assert.equal(opened.length, 1, 'the request opened one connection, still waiting for its handshake');
  // Read (and drop) what the client sends, so the client's end of the connection reaches this side.
  opened[0]!.resume();
  const closed = new Promise<void>((resolve) => opened[0]!.once('close', () => resolve()));
  const started = Date.now();
  await client.close();
  const tookMs = await Promise.race([
    closed.then(() => Date.now() - started),
    new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 5_000)),
  ]);
  assert.ok(tookMs < 2_000, `the connection ended ${tookMs} ms after close(); its connect timeout is 30 s`);
});

test('the client speaks HTTP/1.1 even to a server that offers HTTP/2 (one dead connection must not take every request)', async () => {
  const { key, cert } = selfSigned('h2');
  const versions: string[] = [];
  const server = createSecureServer({ key: await readFile(key), cert: await readFile(cert), allowHTTP1: true }, (req, res) => {
    versions.push(req.httpVersion);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const h2Kubeconfig = join(dir, 'h2-kubeconfig');
  await writeInsecureKubeconfig(h2Kubeconfig, (server.address() as { port: number }).port);
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: h2Kubeconfig });
  try {
    await Promise.all([client.request({ path: '/a' }), client.request({ path: '/b' })]);
  } finally {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  assert.deepEqual(versions, ['1.1', '1.1']);
});

test('an apply body reads back the same through a YAML parser, whatever the characters', async () => {
  const { parse } = await import('yaml');
  const awkward = {
    text: 'next\u0085line, \u2028 \u2029 line separators, \u0007 bell, \u007f delete, \ufeff bom, 😀 emoji, \u202e rtl, "quotes" \\ slash',
    tab: 'a\tb\r\nc',
  };
  const body = yamlSafeJson(awkward);
  assert.match(body, /^[\x20-\x7e]*$/);
  assert.deepEqual(parse(body), awkward);
  assert.deepEqual(JSON.parse(yamlSafeJson({ plain: 'ascii only' })), { plain: 'ascii only' });
});

test('onRequestStart and onRequest pair up: every request sent is seen once at its start and once at its answer or failure', async () => {
  const { key, cert } = selfSigned('held');
  const held: Array<() => void> = [];
  const server = createSecureServer({ key: await readFile(key), cert: await readFile(cert), allowHTTP1: true }, (_req, res) => {
    held.push(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const heldKubeconfig = join(dir, 'held-kubeconfig');
  const port = (server.address() as { port: number }).port;
  await writeInsecureKubeconfig(heldKubeconfig, port);
  const seen: string[] = [];
  let inFlight = 0;
  const hooks = {
    onRequestStart: (r: { method: string; path: string }) => {
      inFlight++;
      seen.push(`start ${r.method} ${r.path}`);
    },
    onRequest: (r: { method: string; path: string; code: string }) => {
      inFlight--;
      seen.push(`end ${r.method} ${r.path} ${r.code}`);
    },
  };
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: heldKubeconfig, ...hooks });
  const hanging = await KubeClient.fromKubeconfig({ kubeconfigPath, ...hooks });
  try {
    const answers = Promise.all([client.request({ path: '/a' }), client.request({ method: 'POST', path: '/b', body: {} })]);
    while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(inFlight, 2, 'both in flight while the server holds them');
    for (const release of held) release();
    await answers;
    assert.equal(inFlight, 0);
    await assert.rejects(hanging.request({ path: '/c', timeoutMs: 200 }));
    assert.equal(inFlight, 0, 'a request that fails is finished too');
    assert.deepEqual(seen.slice(2, 4).sort(), ['end GET /a 200', 'end POST /b 200']);
    assert.deepEqual(seen.slice(0, 2).sort(), ['start GET /a', 'start POST /b']);
    assert.deepEqual(seen.slice(4), ['start GET /c', 'end GET /c <error>']);
  } finally {
    await client.close();
    await hanging.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A self-signed certificate for 127.0.0.1 (key and certificate files in the test's folder), for a TLS test server. */
function selfSigned(name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key, cert };
}
