import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categoryOf, type CpuProfile, selfTimeByCategory } from './cpu-profile.ts';

test('frames fall into the categories the report names', () => {
  const cases: Array<[string, string, string]> = [
    ['(garbage collector)', '', 'garbage collection'],
    ['writev', '', 'TLS and sockets (node)'],
    ['parse', '', 'JSON parse and stringify'],
    ['execute', 'wasm://wasm/0011', 'HTTP parser (llhttp, WebAssembly)'],
    ['onread', 'node:internal/stream_base_commons', 'TLS and sockets (node)'],
    ['Socket._writeGeneric', 'node:net', 'TLS and sockets (node)'],
    ['processTimers', 'node:internal/timers', 'node:internal/timers'],
    ['randomUUID', 'node:internal/crypto/random', 'node:internal/crypto'],
    ['emit', 'node:events', 'node:events'],
    ['request', 'file:///app/node_modules/undici/lib/api/api-request.js', 'HTTP client (undici)'],
    ['write', 'file:///app/node_modules/sonic-boom/index.js', 'logging (pino)'],
    ['observe', 'file:///app/node_modules/prom-client/lib/histogram.js', 'metrics (prom-client)'],
    ['current', 'file:///app/node_modules/capstan/dist/controller/freshness.js', 'capstan controller'],
    ['next', 'file:///work/main/dist/watch/watch-stream.js', 'capstan watch'],
    ['reconcile', 'file:///work/main/examples/hello-world/dist/controllers/hello-world.js', "the operator's own code"],
    ['Type', 'file:///app/node_modules/typebox/build/index.mjs', 'package typebox'],
  ];
  for (const [functionName, url, category] of cases) assert.equal(categoryOf({ functionName, url }), category, `${functionName} ${url}`);
});

test('self time is summed per category from the deltas that follow each sample, idle left out of the shares', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' } },
      { id: 2, callFrame: { functionName: '(idle)', url: '' } },
      { id: 3, callFrame: { functionName: '(garbage collector)', url: '' } },
      { id: 4, callFrame: { functionName: 'request', url: 'file:///x/node_modules/undici/index.js' } },
    ],
    // gc for 1 ms, undici for 3 ms, idle for 10 ms, undici for 1 ms (the last sample has no time after it).
    samples: [3, 4, 2, 4, 3],
    timeDeltas: [0, 1000, 3000, 10_000, 1000],
  };
  assert.deepEqual(selfTimeByCategory(profile), [
    { category: 'HTTP client (undici)', ms: 4, share: 0.8 },
    { category: 'garbage collection', ms: 1, share: 0.2 },
  ]);
});
