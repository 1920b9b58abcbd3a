import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from './api-error.ts';

test('the reason comes from the Status body, not from the message', () => {
  const err = new ApiError('GET', '/api/v1/namespaces/x', 404, { reason: 'NotFound', message: 'namespaces "x" not found', code: 404 });
  assert.equal(err.code, 404);
  assert.equal(err.reason, 'NotFound');
  assert.match(err.message, /GET \/api\/v1\/namespaces\/x: 404 NotFound/);
});

test('without a Status body the reason is derived from the HTTP status', () => {
  assert.equal(new ApiError('GET', '/x', 410, {}).reason, 'Gone');
  assert.equal(new ApiError('GET', '/x', 429, {}).reason, 'TooManyRequests');
  assert.equal(new ApiError('GET', '/x', 418, {}).reason, 'Unknown');
});
