// JSON patch (RFC 6902), as the API server applies `application/json-patch+json`.
import type { JsonPatchOperation } from '../../core/index.ts';
import { deepEqual, isPlainObject } from '../../internal/json.ts';

/** Why a JSON patch cannot be applied: `test` failed (`TEST_FAILED`) or a path does not resolve (`INVALID_PATH`). */
export class JsonPatchFailure extends Error {
  readonly failure: 'TEST_FAILED' | 'INVALID_PATH' | 'INVALID_OPERATION';
  constructor(failure: 'TEST_FAILED' | 'INVALID_PATH' | 'INVALID_OPERATION', message: string) {
    super(message);
    this.failure = failure;
  }
}

function segments(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchFailure('INVALID_PATH', `"${pointer}" is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

type Container = Record<string, unknown> | unknown[];

/** The container that holds the last segment of `pointer`, and that segment. */
function parentOf(document: unknown, pointer: string): { parent: Container; key: string } {
  const path = segments(pointer);
  const key = path.pop();
  if (key === undefined) throw new JsonPatchFailure('INVALID_PATH', 'the whole document cannot be patched here');
  let node: unknown = document;
  for (const segment of path) {
    node = Array.isArray(node) ? node[Number(segment)] : isPlainObject(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (node === undefined) throw new JsonPatchFailure('INVALID_PATH', `${pointer}: ${segment} does not exist`);
  }
  if (!Array.isArray(node) && !isPlainObject(node))
    throw new JsonPatchFailure('INVALID_PATH', `${pointer}: the parent is not an object or array`);
  return { parent: node, key };
}

function index(list: unknown[], key: string, pointer: string, adding: boolean): number {
  if (adding && key === '-') return list.length;
  const i = Number(key);
  if (!/^(0|[1-9]\d*)$/.test(key) || i > list.length || (!adding && i === list.length)) {
    throw new JsonPatchFailure('INVALID_PATH', `${pointer}: index ${key} is out of range`);
  }
  return i;
}

function read(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) return parent[index(parent, key, pointer, false)];
  if (!Object.hasOwn(parent, key)) throw new JsonPatchFailure('INVALID_PATH', `${pointer} does not exist`);
  return parent[key];
}

function add(document: unknown, pointer: string, value: unknown): void {
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) parent.splice(index(parent, key, pointer, true), 0, structuredClone(value));
  else parent[key] = structuredClone(value);
}

function remove(document: unknown, pointer: string): unknown {
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) return parent.splice(index(parent, key, pointer, false), 1)[0];
  if (!Object.hasOwn(parent, key)) throw new JsonPatchFailure('INVALID_PATH', `${pointer} does not exist`);
  const value = parent[key];
  delete parent[key];
  return value;
}

/** `document` with `operations` applied in order (all or nothing: `document` itself is never modified). */
export function applyJsonPatch(document: unknown, operations: readonly JsonPatchOperation[]): unknown {
  const result = structuredClone(document);
  for (const op of operations) {
    switch (op.op) {
      case 'add':
        add(result, op.path, op.value);
        break;
      case 'remove':
        remove(result, op.path);
        break;
      case 'replace':
        remove(result, op.path);
        add(result, op.path, op.value);
        break;
      case 'test':
        if (!deepEqual(read(result, op.path), op.value)) {
          throw new JsonPatchFailure('TEST_FAILED', `testing value ${op.path} failed: test failed`);
        }
        break;
      case 'move':
        add(result, op.path, remove(result, op.from));
        break;
      case 'copy':
        add(result, op.path, read(result, op.from));
        break;
      default:
        throw new JsonPatchFailure('INVALID_OPERATION', `unknown JSON patch operation ${JSON.stringify(op)}`);
    }
  }
  return result;
}
