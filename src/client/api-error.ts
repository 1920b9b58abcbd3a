import { CapstanError, type ResourceDescriptor } from '../core/index.ts';

/** The `Status` body the API server sends with a failed request (`meta.k8s.io/v1`). */
export interface StatusBody {
  kind?: 'Status';
  apiVersion?: string;
  status?: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: Array<{ type?: string; message?: string; field?: string; reason?: string }>;
    retryAfterSeconds?: number;
  };
}

/**
 * A request the API server answered with an error status. `code` is the HTTP status, `reason` the Status
 * body's machine-readable reason (`NotFound`, `Conflict`, `AlreadyExists`, `Forbidden`, …); branch on
 * those, never on `message`.
 *
 * @example
 * ```ts
 * import { ApiError } from 'capstan/client';
 * function isNotFound(err: unknown): boolean {
 *   return err instanceof ApiError && err.reason === 'NotFound';
 * }
 * ```
 */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: StatusBody;
  readonly method: string;
  readonly path: string;
  /** What the caller can do about it, as given in the message. */
  readonly hint: string | undefined;

  /** `hint` replaces the default advice for the status (see {@link adviceFor}). */
  constructor(method: string, path: string, code: number, status: StatusBody, hint?: string) {
    const reason = status.reason ?? reasonForCode(code);
    const advice = hint ?? adviceFor(code, reason);
    super(`${method} ${path}: ${code} ${reason}${status.message ? `: ${status.message}` : ''}${advice ? ` (${advice})` : ''}`);
    this.name = new.target.name;
    this.hint = advice;
    this.code = code;
    this.reason = reason;
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

/**
 * Whether the Status body lists a cause of the given type, e.g. `ResourceVersionTooLarge` on a 504 from a
 * watch that asked for a resourceVersion the server's cache has not seen yet.
 *
 * @example
 * ```ts
 * import { ApiError, hasStatusCause } from 'capstan/client';
 * function isTooLargeResourceVersion(err: unknown): boolean {
 *   return err instanceof ApiError && err.code === 504 && hasStatusCause(err.status, 'ResourceVersionTooLarge');
 * }
 * ```
 */
export function hasStatusCause(status: StatusBody, type: string): boolean {
  return (status.details?.causes ?? []).some((cause) => cause.type === type || cause.reason === type);
}

/** The default advice for an error status: what a caller should do next. */
export function adviceFor(code: number, reason: string): string | undefined {
  switch (reason) {
    case 'Unauthorized':
      return 'the credentials were rejected: renew the token or certificate';
    case 'Forbidden':
      return 'grant the missing verb on this resource to the user through a Role or ClusterRole';
    case 'Conflict':
      return 'the object changed since it was read: read it again and retry';
    case 'AlreadyExists':
      return 'an object of that name exists: update it, or pick another name';
    case 'Invalid':
      return 'fix the fields listed in status.details.causes';
    case 'Expired':
    case 'Gone':
      return 'the resourceVersion is too old: list again';
    case 'TooManyRequests':
      return 'the server is overloaded or still starting: retry after a backoff';
    default:
      return code >= 500 ? 'a server-side problem: retry after a backoff' : undefined;
  }
}

function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return 'Unknown';
  }
}

/** Errors of the client layer that are not API answers: bad kubeconfig, timeouts, unreachable server. */
export class ClientError extends CapstanError<ClientErrorCode> {}

/**
 * What went wrong before or outside an API answer:
 * - `KUBECONFIG_INVALID`: the kubeconfig is missing, unreadable or incomplete (the message names the file);
 * - `CREDENTIALS_UNAVAILABLE`: a token file cannot be read or an exec plugin failed;
 * - `REQUEST_TIMEOUT`: no answer within the request timeout;
 * - `CONNECTION_FAILED`: the server cannot be reached, or the connection broke;
 * - `INVALID_ARGUMENT`: the call itself is incomplete (e.g. no namespace for a namespaced object);
 * - `INVALID_RESPONSE`: the server's answer is not what the API promises (e.g. a body that is not JSON).
 */
export type ClientErrorCode =
  | 'KUBECONFIG_INVALID'
  | 'CREDENTIALS_UNAVAILABLE'
  | 'REQUEST_TIMEOUT'
  | 'CONNECTION_FAILED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_RESPONSE';

/**
 * A 404 for a whole resource type rather than for one object: the server does not serve this
 * group/version/plural (a CRD not installed, a typo in the descriptor, an API version removed).
 * It is still an {@link ApiError} with `code` 404 and `reason` `NotFound`.
 *
 * @example
 * ```ts
 * import { UnknownResourceError } from 'capstan/client';
 * function explain(err: unknown): string | undefined {
 *   return err instanceof UnknownResourceError ? `install the CRD for ${err.resource.plural}` : undefined;
 * }
 * ```
 */
export class UnknownResourceError extends ApiError {
  readonly resource: ResourceDescriptor;

  constructor(method: string, path: string, status: StatusBody, resource: ResourceDescriptor) {
    const groupVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
    super(
      method,
      path,
      404,
      status,
      `the server does not serve "${resource.plural}" in ${groupVersion}: install its CRD, or check the group, version and plural with \`kubectl api-resources\``,
    );
    this.resource = resource;
  }
}
