import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectOnAbort } from './reject-on-abort.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('the value or the failure of the pending promise passes through while the signal stays quiet', async () => {
  const ok = deferred<string>();
  const okResult = rejectOnAbort(ok.promise, new AbortController().signal, () => assert.fail('nothing late'));
  ok.resolve('answer');
  assert.equal(await okResult, 'answer');
  const failing = deferred<string>();
  const failed = rejectOnAbort(failing.promise, new AbortController().signal, () => assert.fail('nothing late'));
  failing.reject(new Error('refused'));
  await assert.rejects(failed, /refused/);
});

test('an abort rejects at once with its reason, though the pending promise has not settled', async () => {
  const pending = deferred<string>();
  const abort = new AbortController();
  const result = rejectOnAbort(pending.promise, abort.signal, () => undefined);
  abort.abort(new Error('term over'));
  await assert.rejects(result, /term over/);
});

test('a signal aborted beforehand rejects without waiting', async () => {
  await assert.rejects(
    rejectOnAbort(new Promise<string>(() => undefined), AbortSignal.abort(new Error('already')), () => undefined),
    /already/,
  );
});

test('a value that comes after the abort is handed to discard; a late failure is dropped', async () => {
  const late = deferred<{ body: string }>();
  const abort = new AbortController();
  const discarded: Array<{ body: string }> = [];
  const result = rejectOnAbort(late.promise, abort.signal, (value) => discarded.push(value));
  abort.abort(new Error('gone'));
  await assert.rejects(result, /gone/);
  late.resolve({ body: 'stream' });
  await late.promise;
  assert.deepEqual(discarded, [{ body: 'stream' }]);
  const lateFailure = deferred<string>();
  const abort2 = new AbortController();
  const result2 = rejectOnAbort(lateFailure.promise, abort2.signal, () => assert.fail('a failure is not a value'));
  abort2.abort(new Error('gone'));
  await assert.rejects(result2, /gone/);
  lateFailure.reject(new Error('late')); // no unhandled rejection
  await lateFailure.promise.catch(() => undefined);
});
