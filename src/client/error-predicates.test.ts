import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as core from '../core/index.ts';
import { CapstanError, isCapstanError } from '../core/index.ts';
import { ApiError, ClientError, UnknownResourceError } from './api-error.ts';
import {
  isAlreadyExists,
  isApiError,
  isConflict,
  isExpired,
  isNamespaceTerminating,
  isNotFound,
  isRefusal,
  isRetryable,
} from './error-predicates.ts';
import type * as client from './index.ts';

// A second copy of the package, as a CLI from one node_modules loading a project that resolves its own
// capstan has: the same sources at other paths, so other classes (instanceof fails across them).
const root = new URL('../..', import.meta.url).pathname;
const copy = join(root, '.capstan', `second-copy-${randomUUID()}`);
for (const layer of ['core', 'client', 'internal']) {
  await cp(join(root, 'src', layer), join(copy, 'src', layer), { recursive: true, filter: (f) => !f.endsWith('.test.ts') });
}
after(() => rm(copy, { recursive: true, force: true }));
const other = (await import(pathToFileURL(join(copy, 'src', 'client', 'index.ts')).href)) as typeof client;
const otherCore = (await import(pathToFileURL(join(copy, 'src', 'core', 'index.ts')).href)) as typeof core;

const api = (httpStatus: number, reason?: string) => new ApiError('GET', '/x', httpStatus, reason === undefined ? {} : { reason });
const predicates = { isNotFound, isConflict, isAlreadyExists, isExpired, isRetryable, isRefusal, isNamespaceTerminating };

/** The names of the predicates that hold for `err`. */
function holding(err: unknown): string[] {
  return Object.entries(predicates)
    .filter(([, holds]) => holds(err))
    .map(([name]) => name);
}

test('each API answer falls in at most one group, as documented', () => {
  const expected: Array<[number, string | undefined, string[]]> = [
    [400, 'BadRequest', ['isRefusal']],
    [401, 'Unauthorized', []],
    [403, 'Forbidden', ['isRefusal']],
    [404, 'NotFound', ['isNotFound']],
    [405, 'MethodNotAllowed', ['isRefusal']],
    [406, 'NotAcceptable', ['isRefusal']],
    [408, undefined, ['isRetryable']],
    [409, 'Conflict', ['isConflict']],
    [409, 'AlreadyExists', ['isAlreadyExists']],
    [410, 'Gone', ['isExpired']],
    [410, 'Expired', ['isExpired']],
    [412, undefined, ['isRefusal']],
    [413, 'RequestEntityTooLarge', ['isRefusal']],
    [415, 'UnsupportedMediaType', ['isRefusal']],
    [422, 'Invalid', ['isRefusal']],
    [429, 'TooManyRequests', ['isRetryable']],
    [500, 'InternalError', ['isRetryable']],
    [500, 'ServerTimeout', ['isRetryable']],
    [500, 'StorageReadError', ['isRetryable']],
    [502, undefined, ['isRetryable']],
    [503, 'ServiceUnavailable', ['isRetryable']],
    [504, 'Timeout', ['isRetryable']],
  ];
  for (const [httpStatus, reason, groups] of expected) {
    assert.deepEqual(holding(api(httpStatus, reason)), groups, `${httpStatus} ${reason ?? '(no reason)'}`);
  }
});

test('the reason decides, the HTTP status only when the reason is not one Kubernetes defines', () => {
  assert.ok(isNotFound(api(404, 'SomethingElse')), 'an unknown reason on a 404');
  assert.ok(isConflict(api(409)) && !isAlreadyExists(api(409)), 'a bare 409 is a conflict');
  assert.ok(!isConflict(api(409, 'AlreadyExists')), 'AlreadyExists is not a conflict though it is a 409');
  assert.ok(isRetryable(api(500, 'ServerTimeout')) && isRetryable(api(429)));
  assert.ok(isExpired(api(410)));
});

test('client errors: only a timeout or an unreachable server is retryable', () => {
  const client = (code: ConstructorParameters<typeof ClientError>[0]) => new ClientError(code, code);
  assert.ok(isRetryable(client('REQUEST_TIMEOUT')));
  assert.ok(isRetryable(client('CONNECTION_FAILED')));
  for (const code of ['KUBECONFIG_INVALID', 'CREDENTIALS_UNAVAILABLE', 'INVALID_ARGUMENT', 'INVALID_RESPONSE'] as const) {
    assert.deepEqual(holding(client(code)), [], code);
    assert.ok(!isApiError(client(code)));
  }
});

test('nothing but a Capstan API error matches: not plain errors, look-alikes without the brand, nor other families', () => {
  const lookAlike = Object.assign(new Error('GET /x: 404 NotFound'), {
    code: 'NOT_FOUND',
    httpStatus: 404,
    reason: 'NotFound',
    status: {},
  });
  const retryLookAlike = Object.assign(new Error('timeout'), { code: 'REQUEST_TIMEOUT' });
  class OtherFamily extends CapstanError<'TIMEOUT'> {}
  for (const err of [
    undefined,
    null,
    'NotFound',
    404,
    new Error('404 NotFound'),
    lookAlike,
    retryLookAlike,
    new OtherFamily('TIMEOUT', 'timed out'),
  ]) {
    assert.deepEqual(holding(err), [], String(err));
    assert.ok(!isApiError(err));
  }
  assert.ok(isCapstanError(new OtherFamily('TIMEOUT', 'x')) && !isCapstanError(lookAlike));
});

/**
 * What kube-apiserver v1.36.3 answers a create in a namespace being deleted (NamespaceLifecycle), as sent: a
 * ConfigMap by POST and an Event of events.k8s.io/v1 (a server-side apply that would create answers the same).
 */
const terminating = {
  configMap: new ApiError('POST', '/api/v1/namespaces/doomed/configmaps', 403, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: 'configmaps "new" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    reason: 'Forbidden',
    details: {
      name: 'new',
      kind: 'configmaps',
      causes: [{ reason: 'NamespaceTerminating', message: 'namespace doomed is being terminated', field: 'metadata.namespace' }],
    },
    code: 403,
  }),
  event: new ApiError('POST', '/apis/events.k8s.io/v1/namespaces/doomed/events', 403, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: 'events.events.k8s.io "e1" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    reason: 'Forbidden',
    details: {
      name: 'e1',
      group: 'events.k8s.io',
      kind: 'events',
      causes: [{ reason: 'NamespaceTerminating', message: 'namespace doomed is being terminated', field: 'metadata.namespace' }],
    },
    code: 403,
  }),
};

test('a create in a namespace being deleted is its own group, not a refusal to report, and its advice is not an RBAC grant', () => {
  for (const err of Object.values(terminating)) {
    assert.deepEqual(holding(err), ['isNamespaceTerminating'], err.path);
    assert.ok(isNamespaceTerminating(err, 'doomed'), 'in the namespace of the request');
    assert.ok(!isNamespaceTerminating(err, 'other'), 'not in another namespace');
    assert.doesNotMatch(err.message, /grant the missing verb/);
    assert.match(err.message, /the namespace is being deleted/);
  }
  // A 403 of RBAC stays a refusal, with its advice; the cause, not the message, decides.
  const rbac = new ApiError('POST', '/api/v1/namespaces/doomed/configmaps', 403, {
    reason: 'Forbidden',
    message: 'unable to create new content in namespace doomed because it is being terminated',
  });
  assert.deepEqual(holding(rbac), ['isRefusal']);
  assert.match(rbac.message, /grant the missing verb/);
  // The same cause on another status is not NamespaceLifecycle's refusal.
  const odd = new ApiError('POST', '/api/v1/namespaces/doomed/configmaps', 422, {
    reason: 'Invalid',
    details: { causes: [{ reason: 'NamespaceTerminating' }] },
  });
  assert.ok(!isNamespaceTerminating(odd) && isRefusal(odd));
  // A second copy's error is recognized by this copy's predicate, and the other way round.
  const foreign: unknown = new other.ApiError('POST', terminating.configMap.path, 403, terminating.configMap.status);
  assert.ok(isNamespaceTerminating(foreign, 'doomed') && other.isNamespaceTerminating(terminating.event, 'doomed'));
});

test('predicates look at the error itself, not at its cause', () => {
  const wrapped = new CapstanError('WRAPPED', 'failed', { cause: api(404, 'NotFound') });
  assert.deepEqual(holding(wrapped), []);
});

test('an unknown resource is not found', () => {
  const resource = { group: 'apps.example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true };
  assert.ok(isNotFound(new UnknownResourceError('GET', '/apis/apps.example.com/v1/widgets', {}, resource)));
});

test('errors of a second copy of the package match the predicates and the brand, though instanceof does not', () => {
  const foreign: unknown = new other.ApiError('PUT', '/x', 409, { reason: 'Conflict' });
  assert.ok(!(foreign instanceof ApiError) && !(foreign instanceof CapstanError), 'another class: instanceof fails');
  assert.ok(isCapstanError(foreign) && isApiError(foreign));
  assert.deepEqual(holding(foreign), ['isConflict']);
  assert.deepEqual(holding(new other.ApiError('GET', '/x', 422, { reason: 'Invalid' })), ['isRefusal']);
  assert.deepEqual(holding(new other.ClientError('CONNECTION_FAILED', 'unreachable')), ['isRetryable']);
  // And the other way round: the copy's predicates recognize this copy's errors.
  assert.ok(other.isNotFound(api(404)) && other.isRetryable(new ClientError('REQUEST_TIMEOUT', 'slow')));
  assert.ok(otherCore.isCapstanError(new CapstanError('X', 'x')));
});

test('the brand is invisible: not enumerable, not in JSON, not an own property', () => {
  const err = api(404, 'NotFound');
  const brand = Symbol.for('capstan.error');
  assert.equal(Object.getOwnPropertySymbols(err).includes(brand), false);
  assert.equal(Object.prototype.propertyIsEnumerable.call(CapstanError.prototype, brand), false);
  assert.equal((JSON.parse(JSON.stringify({ ...err })) as { code: string }).code, 'NOT_FOUND');
  assert.ok(!Object.keys(err).some((k) => k.includes('capstan')));
});

test('predicates narrow: an ApiError that is not found stays an ApiError in the other branch', () => {
  const err: ApiError = api(403, 'Forbidden');
  if (isNotFound(err)) assert.fail('403 is not a 404');
  else assert.equal(err.httpStatus, 403); // still typed ApiError here, not never
  if (isRefusal(err)) assert.equal(err.status.reason, 'Forbidden');
  else assert.fail('403 is a refusal');
});
