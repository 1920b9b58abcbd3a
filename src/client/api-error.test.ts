import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CapstanError, isCapstanError } from '../core/index.ts';
import { ApiError, UnknownResourceError } from './api-error.ts';

test('the reason comes from the Status body, not from the message; code is the reason in SCREAMING_SNAKE_CASE', () => {
  const err = new ApiError('GET', '/api/v1/namespaces/x', 404, { reason: 'NotFound', message: 'namespaces "x" not found', code: 404 });
  assert.equal(err.httpStatus, 404);
  assert.equal(err.reason, 'NotFound');
  assert.equal(err.code, 'NOT_FOUND');
  assert.equal(err.name, 'ApiError');
  assert.match(err.message, /GET \/api\/v1\/namespaces\/x: 404 NotFound/);
  assert.ok(err instanceof CapstanError && isCapstanError(err));
});

test('every Kubernetes StatusReason has its code', () => {
  const reasons: Array<[number, string, string]> = [
    [400, 'BadRequest', 'BAD_REQUEST'],
    [401, 'Unauthorized', 'UNAUTHORIZED'],
    [403, 'Forbidden', 'FORBIDDEN'],
    [404, 'NotFound', 'NOT_FOUND'],
    [405, 'MethodNotAllowed', 'METHOD_NOT_ALLOWED'],
    [406, 'NotAcceptable', 'NOT_ACCEPTABLE'],
    [409, 'AlreadyExists', 'ALREADY_EXISTS'],
    [409, 'Conflict', 'CONFLICT'],
    [410, 'Gone', 'GONE'],
    [410, 'Expired', 'EXPIRED'],
    [413, 'RequestEntityTooLarge', 'REQUEST_ENTITY_TOO_LARGE'],
    [415, 'UnsupportedMediaType', 'UNSUPPORTED_MEDIA_TYPE'],
    [422, 'Invalid', 'INVALID'],
    [429, 'TooManyRequests', 'TOO_MANY_REQUESTS'],
    [500, 'InternalError', 'INTERNAL_ERROR'],
    [500, 'ServerTimeout', 'SERVER_TIMEOUT'],
    [500, 'StorageReadError', 'STORAGE_READ_ERROR'],
    [503, 'ServiceUnavailable', 'SERVICE_UNAVAILABLE'],
    [504, 'Timeout', 'TIMEOUT'],
  ];
  for (const [httpStatus, reason, code] of reasons) {
    const err = new ApiError('GET', '/x', httpStatus, { reason });
    assert.deepEqual([err.code, err.reason, err.httpStatus], [code, reason, httpStatus]);
  }
});

test('without a Status body the reason and the code are derived from the HTTP status', () => {
  const derived = (httpStatus: number) => {
    const err = new ApiError('GET', '/x', httpStatus, {});
    return `${err.reason} ${err.code}`;
  };
  assert.equal(derived(410), 'Gone GONE');
  assert.equal(derived(429), 'TooManyRequests TOO_MANY_REQUESTS');
  assert.equal(derived(404), 'NotFound NOT_FOUND');
  assert.equal(derived(409), 'Conflict CONFLICT');
  assert.equal(derived(418), 'Unknown API_ERROR');
  assert.equal(derived(502), 'Unknown API_ERROR');
});

test('a reason Kubernetes does not define keeps its place in `reason`, and the code follows the HTTP status', () => {
  const err = new ApiError('GET', '/x', 404, { reason: 'NoSuchThing' });
  assert.deepEqual([err.reason, err.code], ['NoSuchThing', 'NOT_FOUND']);
  const unknown = new ApiError('GET', '/x', 412, { reason: 'PreconditionFailed' });
  assert.deepEqual([unknown.reason, unknown.code], ['PreconditionFailed', 'API_ERROR']);
});

test('a reason that is not one PascalCase word (empty, spaced, from a proxy) is replaced by the HTTP status reason; the body keeps it', () => {
  for (const reason of ['', 'not found', 'x'.repeat(2000), 'Bad<Reason>']) {
    const err = new ApiError('GET', '/x', 403, { reason });
    assert.deepEqual([err.reason, err.code, err.status.reason], ['Forbidden', 'FORBIDDEN', reason]);
  }
});

test('the message gives the advice for the code, or the hint instead', () => {
  assert.match(
    new ApiError('PUT', '/x', 409, { reason: 'Conflict' }).message,
    /\(the object changed since it was read: read it again and retry\)$/,
  );
  assert.match(new ApiError('GET', '/x', 502, {}).message, /: 502 Unknown \(a server-side problem: retry after a backoff\)$/);
  const hinted = new ApiError('GET', '/x', 401, {}, 'renew the token');
  assert.equal(hinted.hint, 'renew the token');
  assert.match(hinted.message, /: 401 Unauthorized \(renew the token\)$/);
});

test('an unknown resource is a NOT_FOUND ApiError that names what to install', () => {
  const resource = { group: 'apps.example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true };
  const err = new UnknownResourceError('GET', '/apis/apps.example.com/v1/widgets', { reason: 'NotFound' }, resource);
  assert.deepEqual([err.httpStatus, err.code, err.name], [404, 'NOT_FOUND', 'UnknownResourceError']);
  assert.match(err.message, /does not serve "widgets" in apps\.example\.com\/v1: install its CRD/);
});
