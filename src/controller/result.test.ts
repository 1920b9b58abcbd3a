import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, isRefusal } from '../client/index.ts';
import { isCapstanError } from '../core/index.ts';
import { isTemporaryError, isTerminalError, TemporaryError, TerminalError } from './result.ts';

test('TerminalError.wrap keeps the error as its cause, the reason for the event, and names both in the message', () => {
  const refused = new ApiError('PUT', '/api/v1/namespaces/ns/configmaps/w', 422, { reason: 'Invalid', message: 'data is too long' });
  const err = TerminalError.wrap(refused, 'ConfigMapRefused');
  assert.ok(err instanceof TerminalError && isTerminalError(err) && isCapstanError(err));
  assert.equal(err.code, 'TERMINAL');
  assert.equal(err.reason, 'ConfigMapRefused');
  assert.equal(err.cause, refused);
  assert.equal(err.message, `ConfigMapRefused: ${refused.message}`);
  assert.ok(isRefusal(err.cause) && !isRefusal(err), 'the wrapper is terminal; what it wraps is still readable');
  assert.equal(TerminalError.wrap('disk full', 'BackupFailed').message, 'BackupFailed: disk full');
});

test('isTerminalError and isTemporaryError go by brand and fields', () => {
  assert.ok(isTerminalError(new TerminalError('x')) && !isTemporaryError(new TerminalError('x')));
  assert.ok(isTemporaryError(new TemporaryError('x', { delayMs: 5 })) && !isTerminalError(new TemporaryError('x')));
  const lookAlike = Object.assign(new Error('x'), { code: 'TERMINAL', reason: 'InvalidSpec' });
  assert.ok(!isTerminalError(lookAlike), 'no brand, no match');
});
