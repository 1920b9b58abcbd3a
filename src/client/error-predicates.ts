// What an error from the client means for the caller, asked by predicates rather than by `instanceof` or by
// reading messages. Each one recognizes errors by the Capstan brand and their fields, so an error thrown by
// another copy of the package answers the same. Each looks at the error itself, not at its `cause`: a wrapper
// (a FinalizerError, a TerminalError) says with its own code what the failure means at its level.
//
// An API error falls in at most one of these groups:
// - stale view, read again and decide anew: isNotFound, isConflict, isAlreadyExists, isExpired;
// - transient, the same request may work later: isRetryable;
// - refused, the same request will keep failing until something else changes: isRefusal;
// - refused for good, the namespace is being deleted and takes the object with it: isNamespaceTerminating;
// - none of them: 401 Unauthorized (the caller's credentials, not the request: see isRefusal).
import { isCapstanError } from '../core/index.ts';
import { type ApiError, type ApiErrorCode, hasStatusCause } from './api-error.ts';

/**
 * Whether `err` is an {@link ApiError}, from this copy of Capstan or another: a branded Capstan error with a
 * numeric `httpStatus`, a `reason` and a Status body.
 *
 * @example
 * ```ts
 * import { isApiError } from 'capstan/client';
 * function statusLine(err: unknown): string | undefined {
 *   return isApiError(err) ? `${err.httpStatus} ${err.reason}` : undefined;
 * }
 * ```
 */
export function isApiError(err: unknown): err is ApiError {
  if (!isCapstanError(err)) return false;
  const fields = err as unknown as Record<string, unknown>;
  return (
    typeof fields['httpStatus'] === 'number' &&
    typeof fields['reason'] === 'string' &&
    typeof fields['status'] === 'object' &&
    fields['status'] !== null
  );
}

/**
 * The object (or, for an {@link capstan/client!UnknownResourceError}, the whole resource type) does not exist: code
 * `NOT_FOUND`, that is reason `NotFound`, or HTTP 404 with a reason Kubernetes does not define. On a read
 * it is an answer (the object is gone); on a write from the cache it means the view was stale.
 *
 * @example
 * ```ts
 * import { isNotFound, KubeClient } from 'capstan/client';
 * import { ConfigMap } from 'capstan';
 * const client = await KubeClient.fromKubeconfig();
 * const configMap = await client
 *   .resource(ConfigMap)
 *   .get('settings', { namespace: 'demo' })
 *   .catch((err: unknown) => {
 *     if (isNotFound(err)) return undefined;
 *     throw err;
 *   });
 * ```
 */
export function isNotFound(err: unknown): err is ApiError & {
  /** Narrowed to the one code the predicate accepts. */
  readonly code: 'NOT_FOUND';
} {
  return isApiError(err) && err.code === 'NOT_FOUND';
}

/**
 * A write based on an old version of the object: code `CONFLICT`, that is HTTP 409 with reason `Conflict`
 * (a `resourceVersion` or uid precondition that no longer holds, a server-side apply conflict between field
 * managers) or with a reason Kubernetes does not define. Not an `AlreadyExists`, though that is a 409 too.
 * Read the object again and decide anew; in a reconciler, throwing it retries the key with backoff.
 *
 * @example
 * ```ts
 * import { isConflict } from 'capstan/client';
 * async function withFreshRead<T>(write: () => Promise<T>): Promise<T> {
 *   for (let attempt = 1; ; attempt++) {
 *     try {
 *       return await write();
 *     } catch (err) {
 *       if (!isConflict(err) || attempt === 5) throw err;
 *     }
 *   }
 * }
 * ```
 */
export function isConflict(err: unknown): err is ApiError & {
  /** Narrowed to the one code the predicate accepts. */
  readonly code: 'CONFLICT';
} {
  return isApiError(err) && err.code === 'CONFLICT';
}

/**
 * A create of a name that is taken: code `ALREADY_EXISTS`, HTTP 409 with reason `AlreadyExists`. Read the
 * object that has the name and decide whether it is yours.
 *
 * @example
 * ```ts
 * import { isAlreadyExists, KubeClient } from 'capstan/client';
 * import { Namespace } from 'capstan';
 * const client = await KubeClient.fromKubeconfig();
 * await client
 *   .resource(Namespace)
 *   .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } })
 *   .catch((err: unknown) => {
 *     if (!isAlreadyExists(err)) throw err;
 *   });
 * ```
 */
export function isAlreadyExists(err: unknown): err is ApiError & {
  /** Narrowed to the one code the predicate accepts. */
  readonly code: 'ALREADY_EXISTS';
} {
  return isApiError(err) && err.code === 'ALREADY_EXISTS';
}

/**
 * The resourceVersion or continue token asked for is older than the server keeps: code `EXPIRED` or `GONE`,
 * that is HTTP 410 (reason `Expired` or `Gone`). Neither waiting nor repeating helps: list again from the
 * start, as the watch does.
 *
 * @example
 * ```ts
 * import { isExpired } from 'capstan/client';
 * function nextStep(err: unknown): 'relist' | 'retry' {
 *   return isExpired(err) ? 'relist' : 'retry';
 * }
 * ```
 */
export function isExpired(err: unknown): err is ApiError & {
  /** Narrowed to the two codes of a 410. */
  readonly code: 'EXPIRED' | 'GONE';
} {
  return isApiError(err) && (err.code === 'EXPIRED' || err.code === 'GONE');
}

const retryableCodes: ReadonlySet<ApiErrorCode> = new Set([
  'TOO_MANY_REQUESTS',
  'INTERNAL_ERROR',
  'SERVER_TIMEOUT',
  'STORAGE_READ_ERROR',
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
]);

/**
 * The same request may work if sent again after a backoff (honour `status.details.retryAfterSeconds` when
 * present); it is the server's or the network's trouble, not the request's. True for:
 * - an API error with code `TOO_MANY_REQUESTS` (429), `INTERNAL_ERROR`, `SERVER_TIMEOUT`, `STORAGE_READ_ERROR`
 *   (500), `SERVICE_UNAVAILABLE` (503) or `TIMEOUT` (504);
 * - an API error with code `API_ERROR` (no reason Kubernetes defines) and HTTP 408 or any 5xx (a 502 from a proxy);
 * - a `ClientError` with code `REQUEST_TIMEOUT` (no answer in time) or `CONNECTION_FAILED` (server unreachable,
 *   connection broken; a write may or may not have been applied, so retry only what is idempotent or guarded).
 *
 * False for everything else: refusals ({@link isRefusal}), a stale view ({@link isConflict},
 * {@link isNotFound}, {@link isAlreadyExists}, {@link isExpired}: read again first), 401 Unauthorized, the
 * errors of other layers, and errors that are not Capstan's.
 *
 * @example
 * ```ts
 * import { isRetryable, KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * async function version(): Promise<unknown> {
 *   for (let attempt = 1; ; attempt++) {
 *     try {
 *       return await client.request({ path: '/version' });
 *     } catch (err) {
 *       if (!isRetryable(err) || attempt === 5) throw err;
 *       await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 100));
 *     }
 *   }
 * }
 * ```
 */
export function isRetryable(err: unknown): boolean {
  if (isApiError(err)) {
    if (retryableCodes.has(err.code)) return true;
    return err.code === 'API_ERROR' && (err.httpStatus === 408 || err.httpStatus >= 500);
  }
  return isCapstanError(err) && (err.code === 'REQUEST_TIMEOUT' || err.code === 'CONNECTION_FAILED');
}

const refusalCodes: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>([
  'BAD_REQUEST',
  'FORBIDDEN',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'REQUEST_ENTITY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID',
]);

/**
 * The server refused the request itself, and sending it again will fail the same way until something else
 * changes (the object's spec, the RBAC rules, an admission policy, the CRD's schema). True for an API error
 * with code `BAD_REQUEST` (400), `FORBIDDEN` (403), `METHOD_NOT_ALLOWED` (405), `NOT_ACCEPTABLE` (406),
 * `REQUEST_ENTITY_TOO_LARGE` (413), `UNSUPPORTED_MEDIA_TYPE` (415) or `INVALID` (422, the fields are in
 * `status.details.causes`), and for code `API_ERROR` (no reason Kubernetes defines) with any other 4xx but 408
 * (e.g. 412). This is what a reconciler reports on the object (a condition, a Warning event): `reason` is
 * then one PascalCase word (`Invalid`, `Forbidden`), usable as the condition's reason as it is.
 *
 * Not refusals: 404, 409 and 410 (the caller's view is stale: read again), 408 and 429 (retryable), a create
 * in a namespace being deleted ({@link isNamespaceTerminating}: nothing to report, the object goes with its
 * namespace, and the report's own Event would be refused the same way), and 401 Unauthorized. A 401 refuses the caller's credentials, not the request: the client has already re-read
 * them once and sent again, the fix (a renewed token or certificate, often rotated on its own) lies outside
 * any object, and nothing can be reported on an object anyway, since that write would be refused the same
 * way. Test `code === 'UNAUTHORIZED'` for it.
 *
 * @example
 * ```ts
 * import { isRefusal } from 'capstan/client';
 * import { TemporaryError } from 'capstan/controller';
 * function explain(err: unknown): string {
 *   if (isRefusal(err)) return `refused (${err.reason}): ${err.status.message ?? err.message}`;
 *   throw new TemporaryError('not a refusal', { cause: err });
 * }
 * ```
 */
export function isRefusal(err: unknown): err is ApiError & {
  /** Narrowed to the codes of a refusal. */
  readonly code:
    | 'BAD_REQUEST'
    | 'FORBIDDEN'
    | 'METHOD_NOT_ALLOWED'
    | 'NOT_ACCEPTABLE'
    | 'REQUEST_ENTITY_TOO_LARGE'
    | 'UNSUPPORTED_MEDIA_TYPE'
    | 'INVALID'
    | 'API_ERROR';
} {
  if (!isApiError(err) || isNamespaceTerminating(err)) return false;
  if (refusalCodes.has(err.code)) return true;
  return err.code === 'API_ERROR' && err.httpStatus >= 400 && err.httpStatus < 500 && err.httpStatus !== 408;
}

/**
 * A create refused because its namespace is being deleted: HTTP 403 `Forbidden` from the NamespaceLifecycle
 * admission plugin, with the Status cause `NamespaceTerminating` ("unable to create new content in namespace …
 * because it is being terminated"). Updates, patches and deletes of existing objects still work there (a finalizer
 * can be removed); creates never will, and the namespace controller deletes whatever the namespace still holds.
 * For an object in that namespace this ends its work: do not retry, do not report it on the object. With
 * `namespace`, true only when the refused request was in that namespace (a child in another namespace being
 * deleted is not the end of this object's work).
 *
 * @example
 * ```ts
 * import { isNamespaceTerminating, KubeClient } from 'capstan/client';
 * import { ConfigMap } from 'capstan';
 * const client = await KubeClient.fromKubeconfig();
 * const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: 'b' } } as const;
 * await client
 *   .resource(ConfigMap)
 *   .create(configMap, { namespace: 'demo' })
 *   .catch((err: unknown) => {
 *     if (!isNamespaceTerminating(err, 'demo')) throw err; // demo is going away, and this ConfigMap with it
 *   });
 * ```
 */
export function isNamespaceTerminating(err: unknown): err is ApiError & {
  /** A namespace being deleted refuses with a 403. */
  readonly code: 'FORBIDDEN';
};
// With a namespace it does not narrow: false may mean another namespace's refusal, still an ApiError.
export function isNamespaceTerminating(err: unknown, namespace: string): boolean;
export function isNamespaceTerminating(err: unknown, namespace?: string): boolean {
  if (!isApiError(err) || err.code !== 'FORBIDDEN' || !hasStatusCause(err.status, namespaceTerminatingCause)) return false;
  return namespace === undefined || namespaceOfPath(err.path) === namespace;
}

/** The Status cause NamespaceLifecycle sets (`v1.NamespaceTerminatingCause`). */
const namespaceTerminatingCause = 'NamespaceTerminating';

/** The namespace an API path addresses (`/api/v1/namespaces/<ns>/…`, `/apis/<g>/<v>/namespaces/<ns>/…`), if any. */
function namespaceOfPath(path: string): string | undefined {
  const match = /^\/apis?\/(?:[^/]+\/)?[^/]+\/namespaces\/([^/?]+)\//.exec(path);
  return match ? decodeURIComponent(match[1]!) : undefined;
}
