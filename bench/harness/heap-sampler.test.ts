// `node --test bench/harness/heap-sampler.test.ts`: the sampler against a real node process with its inspector
// open, which holds ~40 MiB of live objects for a while and then lets go of them, as a cache sync's transient
// objects do: the sync peak must see them and the steady reading must not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspectorUrlInLine } from '../../e2e/reliability/inspector.ts';
import { HeapSampler } from './heap-sampler.ts';

test('the inspector address is read from node’s line, and nothing else', () => {
  assert.equal(
    inspectorUrlInLine('Debugger listening on ws://127.0.0.1:40123/2f1c9a3e-1111-4222-8333-944445555666'),
    'ws://127.0.0.1:40123/2f1c9a3e-1111-4222-8333-944445555666',
  );
  assert.equal(inspectorUrlInLine('{"level":30,"msg":"caches synced"}'), undefined);
});

// Held until stdin says "release": 400,000 objects of ~100 bytes each, alive at once.
const child = `
let held;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  if (text.includes('hold')) {
    held = Array.from({ length: 400000 }, (_, i) => ({ name: 'cm-' + i, data: { message: 'Hello from object ' + i } }));
    console.log('holding');
  }
  if (text.includes('release')) {
    held = undefined;
    console.log('released');
  }
});
`;

test('the sync peak counts objects alive during the sync; the steady reading after they are gone does not', async (t) => {
  const sampler = new HeapSampler();
  const proc = spawn(process.execPath, [...sampler.nodeArgs, '-e', child], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(async () => {
    await sampler.close();
    proc.kill('SIGKILL');
  });
  const stdout: string[] = [];
  createInterface({ input: proc.stderr }).on('line', sampler.onLogLine);
  createInterface({ input: proc.stdout }).on('line', (line) => stdout.push(line));
  const timeline: string[] = [];
  const started = Date.now();
  const note = (what: string) => timeline.push(`${Date.now() - started} ms: ${what} (${sampler.readings} readings)`);
  // Each wait is bounded by one inspector call's own timeout (30 s), a margin over a forced GC of a small heap
  // on a loaded machine; the timeline says where it stopped.
  const until = async (what: string, done: () => boolean) => {
    while (!done()) {
      if (Date.now() - started > 30_000) assert.fail(`waited 30 s for ${what}:\n${timeline.join('\n')}`);
      await sleep(20);
    }
    note(what);
  };
  await until('a first reading', () => sampler.readings >= 1);
  proc.stdin.write('hold\n');
  await until('the child holding its objects', () => stdout.includes('holding'));
  const atHold = sampler.readings;
  await until('two readings while they are alive', () => sampler.readings >= atHold + 2);
  proc.stdin.write('release\n');
  await until('the child releasing them', () => stdout.includes('released'));
  const sync = await sampler.endSync();
  const steady = await sampler.reading();
  note(`peak ${sync.peakBytes} bytes, steady ${steady} bytes`);
  const objectsBytes = 30 * 2 ** 20; // a lower bound for 400,000 objects of three properties with two strings
  assert.ok(sync.peakBytes - steady > objectsBytes, `the peak should exceed the steady heap by the held objects:\n${timeline.join('\n')}`);
  assert.ok(sync.readingsBytes.length >= atHold + 2, timeline.join('\n'));
  await sampler.close();
  proc.stdin.end();
  proc.kill('SIGTERM');
  await once(proc, 'exit');
});
