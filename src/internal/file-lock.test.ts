import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withFileLock } from './file-lock.ts';

test('two holders never overlap', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lock-'));
  const lock = join(dir, 'build.lock');
  const events: string[] = [];
  const holder = (name: string) =>
    withFileLock(lock, async () => {
      events.push(`${name} in`);
      await sleep(50);
      events.push(`${name} out`);
    });
  await Promise.all([holder('a'), holder('b')]);
  assert.ok(
    events[0]!.endsWith(' in') && events[1]!.endsWith(' out') && events[0]!.split(' ')[0] === events[1]!.split(' ')[0],
    events.join(', '),
  );
  await rm(dir, { recursive: true });
});

test('a lock left by a dead process is taken over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lock-'));
  const lock = join(dir, 'build.lock');
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => dead.on('exit', resolve));
  await mkdir(lock);
  await writeFile(join(lock, 'pid'), String(dead.pid));
  const result = await withFileLock(lock, async () => 'ran', { signal: AbortSignal.timeout(5_000) });
  assert.equal(result, 'ran');
  await rm(dir, { recursive: true });
});

test('a lock held by a live process is waited for, and the wait is announced', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lock-'));
  const lock = join(dir, 'build.lock');
  await mkdir(lock);
  await writeFile(join(lock, 'pid'), String(process.pid));
  const waits: number[] = [];
  await assert.rejects(
    withFileLock(lock, async () => 'ran', { signal: AbortSignal.timeout(1_200), onWait: (pid) => waits.push(pid) }),
    (err: Error) => err.name === 'TimeoutError',
  );
  assert.deepEqual(waits, [process.pid]);
  await rm(dir, { recursive: true });
});
