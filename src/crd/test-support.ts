// Assertions shared by the crd layer's unit tests (not exported from the layer).
import assert from 'node:assert/strict';
import { CrdError, type CrdErrorCode } from './errors.ts';

/**
 * Assert that `fn` throws a {@link CrdError} with `code`, at `path`, whose message contains each of
 * `fragments`: the refusal must name the place and say what to do, not just fail.
 */
export function assertRefused(fn: () => unknown, code: CrdErrorCode, path: string, ...fragments: string[]): CrdError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof CrdError, `expected a CrdError ${code}, got ${caught instanceof Error ? caught.message : 'no error'}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.path, path, caught.message);
  assert.ok(caught.message.startsWith(path === '' ? '' : `${path}: `), caught.message);
  for (const fragment of fragments)
    assert.ok(caught.message.includes(fragment), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(fragment)}`);
  return caught;
}
