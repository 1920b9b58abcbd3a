import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';

let echo: Server;
let echoPort: number;
const serverSockets = new Set<Socket>();

before(async () => {
  echo = createServer((socket) => {
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
});
after(
  () =>
    new Promise<void>((resolve) => {
      for (const s of serverSockets) s.destroy();
      echo.close(() => resolve());
    }),
);

/** A client connection that records what it receives and how it ended. */
async function open(proxy: FaultProxy) {
  const socket = connect({ host: '127.0.0.1', port: proxy.port });
  const received: string[] = [];
  const state = { closed: false, error: undefined as NodeJS.ErrnoException | undefined };
  socket.on('data', (chunk: Buffer) => received.push(chunk.toString()));
  socket.on('error', (err) => {
    state.error = err;
  });
  socket.on('close', () => {
    state.closed = true;
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const roundTrip = async (text: string, waitMs = 2_000): Promise<string | undefined> => {
    const before = received.join('');
    socket.write(text);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const now = received.join('');
      if (now.length > before.length) return now.slice(before.length);
      await sleep(10);
    }
    return undefined;
  };
  return { socket, received, state, roundTrip };
}

async function withProxy(fn: (proxy: FaultProxy) => Promise<void>): Promise<void> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: echoPort } });
  try {
    await fn(proxy);
  } finally {
    await proxy.close();
  }
}

test('pass forwards both ways and counts each connection attempt', () =>
  withProxy(async (proxy) => {
    const a = await open(proxy);
    assert.equal(await a.roundTrip('hello'), 'hello');
    await open(proxy);
    assert.equal(proxy.attempts.length, 2);
    assert.deepEqual(
      proxy.attempts.map((x) => x.outcome),
      ['passed', 'passed'],
    );
    assert.equal(proxy.openConnections, 2);
    a.socket.destroy();
  }));

test('the url keeps the target scheme with the proxy port', async () => {
  const proxy = await startFaultProxy({ target: `https://127.0.0.1:${echoPort}` });
  try {
    assert.equal(proxy.url, `https://127.0.0.1:${proxy.port}`);
  } finally {
    await proxy.close();
  }
});

test('a black hole silences open and new connections for good, without closing them; later connections pass', () =>
  withProxy(async (proxy) => {
    const old = await open(proxy);
    assert.equal(await old.roundTrip('before'), 'before');
    proxy.blackHole();
    assert.equal(await old.roundTrip('during', 300), undefined, 'nothing comes back');
    const during = await open(proxy);
    assert.equal(await during.roundTrip('new-during', 300), undefined, 'a new connection is swallowed too');
    proxy.pass();
    assert.equal(await old.roundTrip('after', 300), undefined, 'the old connection stays dead');
    assert.equal(await during.roundTrip('after', 300), undefined, 'so does the one opened during the black hole');
    assert.equal(old.state.closed, false, 'and neither was closed');
    assert.equal(during.state.closed, false);
    const fresh = await open(proxy);
    assert.equal(await fresh.roundTrip('fresh'), 'fresh');
    assert.deepEqual(
      proxy.attempts.map((a) => a.outcome),
      ['passed', 'blackHoled', 'passed'],
    );
    for (const c of [old, during, fresh]) c.socket.destroy();
  }));

test('a black-holed connection does not learn that the server side closed', () =>
  withProxy(async (proxy) => {
    const c = await open(proxy);
    await c.roundTrip('x');
    proxy.blackHole();
    for (const s of serverSockets) s.destroy();
    await sleep(200);
    assert.equal(c.state.closed, false);
    c.socket.destroy();
  }));

test('delays apply per direction and keep the byte order', () =>
  withProxy(async (proxy) => {
    proxy.delay({ upstreamMs: 150, downstreamMs: 100 });
    const c = await open(proxy);
    const started = Date.now();
    c.socket.write('a');
    c.socket.write('b');
    c.socket.write('c');
    while (c.received.join('').length < 3) await sleep(5);
    const elapsed = Date.now() - started;
    assert.equal(c.received.join(''), 'abc');
    assert.ok(elapsed >= 250, `round trip took ${elapsed} ms, at least 150 + 100`);
    proxy.delay({});
    const quick = Date.now();
    assert.equal(await c.roundTrip('d'), 'd');
    assert.ok(Date.now() - quick < 200);
    c.socket.destroy();
  }));

test('jittered delays stay within their bounds and never reorder bytes', () =>
  withProxy(async (proxy) => {
    proxy.delay({ upstreamMs: 100, downstreamMs: 100, jitterMs: 80 });
    const c = await open(proxy);
    const rounds: number[] = [];
    for (let i = 0; i < 8; i++) {
      const started = Date.now();
      assert.equal(await c.roundTrip(String(i)), String(i));
      rounds.push(Date.now() - started);
    }
    // Each direction waits 20..180 ms; the poll adds up to 10 ms.
    assert.ok(
      rounds.every((ms) => ms >= 40 && ms <= 400),
      `round trips ${rounds.join(', ')} ms`,
    );
    assert.ok(new Set(rounds.map((ms) => Math.round(ms / 10))).size > 1, `the delays vary: ${rounds.join(', ')} ms`);
    const burst = Array.from({ length: 50 }, (_, i) => `<${i}>`);
    for (const piece of burst) c.socket.write(piece);
    const expected = burst.join('');
    const before = c.received.join('').length;
    while (c.received.join('').length - before < expected.length) await sleep(5);
    assert.equal(c.received.join('').slice(before), expected);
    c.socket.destroy();
  }));

test('resetConnections resets every open connection', () =>
  withProxy(async (proxy) => {
    const a = await open(proxy);
    const b = await open(proxy);
    assert.equal(proxy.resetConnections(), 2);
    await sleep(100);
    for (const c of [a, b]) {
      assert.equal(c.state.closed, true);
      assert.equal(c.state.error?.code, 'ECONNRESET');
    }
    assert.equal(proxy.openConnections, 0);
  }));

test('refusing resets new connections at once and counts them; pass ends it', () =>
  withProxy(async (proxy) => {
    proxy.refuseConnections();
    const refused = connect({ host: '127.0.0.1', port: proxy.port });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => refused.on('error', resolve));
    assert.equal(error.code, 'ECONNRESET');
    await sleep(5); // attempts are stamped in whole milliseconds: keep the two apart for attemptsSince
    proxy.pass();
    const c = await open(proxy);
    assert.equal(await c.roundTrip('ok'), 'ok');
    assert.deepEqual(
      proxy.attempts.map((a) => a.outcome),
      ['refused', 'passed'],
    );
    assert.equal(proxy.attemptsSince(proxy.attempts[1]!.at).length, 1);
    c.socket.destroy();
  }));

test('an unreachable target resets the client and is counted as such', async () => {
  const unused = createServer();
  await new Promise<void>((resolve) => unused.listen(0, '127.0.0.1', resolve));
  const port = (unused.address() as { port: number }).port;
  await new Promise<void>((resolve) => unused.close(() => resolve()));
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port } });
  try {
    const socket = connect({ host: '127.0.0.1', port: proxy.port });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    await closed;
    assert.deepEqual(
      proxy.attempts.map((a) => a.outcome),
      ['targetUnreachable'],
    );
  } finally {
    await proxy.close();
  }
});
