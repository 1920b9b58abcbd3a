import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { EventLoopMonitor } from './event-loop.ts';

function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a synchronous stall, as a runaway loop or a wedged native call makes
  }
}

test('a block longer than the bound is reported for rememberMs after; shorter ones are not', async () => {
  const monitor = new EventLoopMonitor({ stallMs: 200, beatMs: 20, rememberMs: 300 });
  monitor.start();
  try {
    await sleep(60);
    block(100);
    await sleep(40);
    assert.equal(monitor.check(), undefined, 'a 100 ms block is under the 200 ms bound');
    block(350);
    await sleep(30);
    assert.match(monitor.check() ?? '', /^the event loop was blocked for 0\.[34]\d* s \(0 s ago; the bound is 0\.2 s\)$/);
    await sleep(400);
    assert.equal(monitor.check(), undefined, 'forgotten after rememberMs');
  } finally {
    monitor.stop();
  }
});

test('a probe that runs before the overdue beat still sees the stall', () => {
  const monitor = new EventLoopMonitor({ stallMs: 100, beatMs: 20 });
  monitor.start();
  try {
    block(250);
    // No await: the interval has not fired since the block; the check measures the overdue beat itself.
    assert.match(monitor.check() ?? '', /blocked for 0\.2/);
  } finally {
    monitor.stop();
  }
});
