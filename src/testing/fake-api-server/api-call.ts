// One request to the fake API server as its handlers see it: what it addresses, its query, and the helpers every
// handler shares to read it (selectors, body, dry run, metadata-only answers).
import type { RequestOptions } from '../../client/index.ts';
import type { KubeObject } from '../../core/index.ts';
import { isPlainObject } from '../../internal/json.ts';
import type { ResourceTarget } from './request-path.ts';
import { type ObjectFilter, objectFilter, SelectorError } from './selectors.ts';
import { badRequest, type Refused } from './statuses.ts';

/** The query of a request, every value as the string it would be in a URL. */
export type Query = Readonly<Record<string, string | undefined>>;

/** One request being answered: what it addresses and how. */
export interface ApiCall extends Refused {
  readonly target: ResourceTarget;
  readonly query: Query;
  readonly accept: string | undefined;
}

/** The apiVersion of PartialObjectMetadata(List). */
export const partialObjectMetadataVersion = 'meta.k8s.io/v1';

/** The query of `options` as strings, undefined values left out. */
export function queryOf(options: RequestOptions): Query {
  const query: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query[key] = String(value);
  return query;
}

/** A boolean query parameter. */
export function isTrue(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

/** `dryRun=All`: answer as if written, store nothing. */
export function isDryRun(call: ApiCall): boolean {
  return call.query['dryRun'] === 'All';
}

/** RFC 3339 to the second, as the API server writes timestamps. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** True when the client asked for PartialObjectMetadata (a metadata-only client). */
export function wantsMetadata(call: ApiCall): boolean {
  return call.accept?.includes('as=PartialObjectMetadata') ?? false;
}

/** The object as PartialObjectMetadata: its metadata only. */
export function metadataOnly(object: KubeObject): KubeObject {
  return { apiVersion: partialObjectMetadataVersion, kind: 'PartialObjectMetadata', metadata: object.metadata };
}

/** The object as the request asked for it: whole, or its metadata only. */
export function presented(call: ApiCall, object: KubeObject): KubeObject {
  return wantsMetadata(call) ? metadataOnly(object) : object;
}

/** The request's label and field selectors; one spelled wrong is 400 BadRequest. */
export function filterOf(call: ApiCall): ObjectFilter {
  try {
    return objectFilter(call.query['labelSelector'], call.query['fieldSelector']);
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(call, err.message);
    throw err;
  }
}

/** The body as JSON: an object, or text that parses to one; undefined when it does not parse. */
export function parsedBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** The body as an object with metadata (a copy); anything else is 400 BadRequest. */
export function objectBody(call: ApiCall, body: unknown): KubeObject {
  const object = parsedBody(body);
  if (!isPlainObject(object) || !isPlainObject(object['metadata'] ?? {})) throw badRequest(call, 'the request body is not an object');
  const copy = structuredClone(object) as unknown as KubeObject;
  return { ...copy, metadata: copy.metadata ?? {} };
}
