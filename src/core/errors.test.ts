import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CapstanError, isCapstanError } from './errors.ts';

test('every subclass carries the brand; its name is the class name', () => {
  class QueueLikeError extends CapstanError<'QUEUE_SHUT_DOWN'> {}
  const err = new QueueLikeError('QUEUE_SHUT_DOWN', 'the queue is shut down', { cause: new Error('root') });
  assert.ok(isCapstanError(err));
  assert.equal(err.name, 'QueueLikeError');
  assert.equal(err.code, 'QUEUE_SHUT_DOWN');
  assert.ok(err.cause instanceof Error);
});

test('an error of another copy of the package (another class, the same Symbol.for brand) is recognized', () => {
  // What a second copy's CapstanError looks like from here: an unrelated class whose prototype has the brand.
  class OtherCopyError extends Error {
    readonly code = 'NOT_SYNCED';
  }
  Object.defineProperty(OtherCopyError.prototype, Symbol.for('capstan.error'), { value: true });
  const err = new OtherCopyError('not synced');
  assert.ok(!(err instanceof CapstanError));
  assert.ok(isCapstanError(err));
});

test('no brand, or no string code, is not a Capstan error', () => {
  const unbranded = Object.assign(new Error('x'), { code: 'NOT_FOUND' });
  const numericCode = Object.assign(Object.create(CapstanError.prototype) as object, { code: 404 });
  for (const err of [undefined, null, 'CapstanError', { code: 'X' }, unbranded, numericCode]) assert.ok(!isCapstanError(err));
});
