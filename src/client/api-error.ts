import { CapstanError, type ResourceDescriptor } from '../core/index.ts';

/**
 * The `Status` body the API server sends with a failed request (`meta.k8s.io/v1`), and in the `ERROR` event of a
 * watch. Every field is optional: a proxy in between may answer with a body that is not a Status, which the client
 * keeps as `{ message }` (its text, cut to 500 characters).
 *
 * @noExample The API server's data, as {@link ApiError} carries it in `status`; the examples of `ApiError` and
 * {@link isRefusal} read it.
 */
export interface StatusBody {
  /** `Status` when the body is one. */
  kind?: 'Status';
  /** `v1`, as the API server sends it. */
  apiVersion?: string;
  /** `Failure` for an error answer; `Success` only on some deletes. */
  status?: 'Failure' | 'Success';
  /** The server's description, for people and logs; never branch on it. */
  message?: string;
  /** The `metav1.StatusReason` (`NotFound`, `Conflict`, `Invalid`, …); empty when the server has none to give. */
  reason?: string;
  /** The HTTP status code (for a watch's `ERROR` event, the one the error stands for). */
  code?: number;
  /** More about the failure; what is set depends on the reason. */
  details?: {
    /** The name of the object the failure is about; none when a whole resource type is missing. */
    name?: string;
    /** The API group of its resource (empty for the core group). */
    group?: string;
    /** Its kind, or on some operations the resource's plural name. */
    kind?: string;
    /** Its uid, when the failure is about one version of the object (a precondition, a delete). */
    uid?: string;
    /** The individual failures, e.g. one per invalid field of a 422 `Invalid`. */
    causes?: Array<{
      /** Not sent by the API server, which puts the cause type in `reason`; {@link hasStatusCause} accepts either. */
      type?: string;
      /** The cause, for people (e.g. `Required value`). */
      message?: string;
      /** The field at fault as a JSON path (`spec.replicas`, `metadata.labels`, `items[0].name`). */
      field?: string;
      /** The cause type: `FieldValueRequired`, `FieldValueInvalid`, `NamespaceTerminating`, `ResourceVersionTooLarge`, … */
      reason?: string;
    }>;
    /** How long to wait before retrying, sent with a 429 or a 5xx; the watcher waits at least this long. */
    retryAfterSeconds?: number;
  };
}

/**
 * The `code` of an {@link ApiError}: the Status reason in SCREAMING_SNAKE_CASE, one for each Kubernetes
 * `metav1.StatusReason` (`NotFound` → `NOT_FOUND`, `AlreadyExists` → `ALREADY_EXISTS`, `Invalid` → `INVALID`,
 * `StorageReadError` → `STORAGE_READ_ERROR`, …). A reason Kubernetes does not define, or none, gives the code of
 * the HTTP status's usual reason (a 404 is `NOT_FOUND`, a 503 `SERVICE_UNAVAILABLE`), as client-go's `IsNotFound`
 * and friends do; `API_ERROR` when neither is known (a 502 from a proxy, a 412).
 *
 * @example
 * ```ts
 * import type { ApiErrorCode } from 'capstan/client';
 * const staleView = (code: ApiErrorCode): boolean => code === 'CONFLICT' || code === 'NOT_FOUND';
 * ```
 */
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'GONE'
  | 'EXPIRED'
  | 'REQUEST_ENTITY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_ERROR'
  | 'SERVER_TIMEOUT'
  | 'STORAGE_READ_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMEOUT'
  | 'API_ERROR';

/** Every `metav1.StatusReason` the API server sends, and its code. */
const codeOfReason: Readonly<Record<string, ApiErrorCode>> = {
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  NotAcceptable: 'NOT_ACCEPTABLE',
  AlreadyExists: 'ALREADY_EXISTS',
  Conflict: 'CONFLICT',
  Gone: 'GONE',
  Expired: 'EXPIRED',
  RequestEntityTooLarge: 'REQUEST_ENTITY_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  Invalid: 'INVALID',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  InternalError: 'INTERNAL_ERROR',
  ServerTimeout: 'SERVER_TIMEOUT',
  StorageReadError: 'STORAGE_READ_ERROR',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  Timeout: 'TIMEOUT',
};

/** The reason the API server gives each HTTP status when it has no more specific one (client-go's `reasonForCode`). */
const reasonOfStatus: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** One PascalCase word, as every StatusReason is: usable as a condition or event reason as it is. */
const reasonShape = /^[A-Z][A-Za-z0-9]{0,127}$/;

/**
 * A request the API server answered with an error status. Branch on `code` (or, better, on the predicates
 * {@link isNotFound}, {@link isConflict}, {@link isAlreadyExists}, {@link capstan/client!isExpired}, {@link isRetryable},
 * {@link isRefusal}), never on `message`:
 * - `httpStatus`: the HTTP status (404, 409, 422, …);
 * - `reason`: the Status body's reason (`NotFound`, `Conflict`, `AlreadyExists`, `Invalid`, `Forbidden`, …), or
 *   the usual reason of the HTTP status when the body has none that is one PascalCase word (`Unknown` when the
 *   status has no usual reason), so it can always serve as a condition or event reason; the body as sent stays
 *   in `status.reason`;
 * - `code`: the reason as an {@link ApiErrorCode} (`NOT_FOUND`, …; `API_ERROR` for a reason Kubernetes does not define);
 * - `status`: the whole Status body (`details.causes` lists the invalid fields of a 422).
 *
 * @example
 * ```ts
 * import { type ApiError, isApiError } from 'capstan/client';
 * function invalidFields(err: unknown): string[] {
 *   if (!isApiError(err) || err.code !== 'INVALID') return [];
 *   return (err.status.details?.causes ?? []).flatMap((cause) => (cause.field ? [cause.field] : []));
 * }
 * const describe = (err: ApiError) => `${err.httpStatus} ${err.reason}`;
 * ```
 */
export class ApiError extends CapstanError<ApiErrorCode> {
  /** The HTTP status of the answer (404, 409, 422, …). */
  readonly httpStatus: number;
  /** The Status reason as one PascalCase word (`NotFound`, `Invalid`, …), usable as a condition or event reason. */
  readonly reason: string;
  /** The Status body as the server sent it (`{ message }` with the body's text when it was not JSON). */
  readonly status: StatusBody;
  /** The request's HTTP method (`GET`, `PATCH`, …); `WATCH` for an `ERROR` event within a watch stream. */
  readonly method: string;
  /** The request's API path without its query, e.g. `/api/v1/namespaces/demo/configmaps/settings`; `event` for a watch's `ERROR` event. */
  readonly path: string;
  /** What the caller can do about it, as given in the message. */
  readonly hint: string | undefined;

  /** `hint` replaces the default advice for the status (renew the credentials, grant the verb, read again, …). */
  constructor(method: string, path: string, httpStatus: number, status: StatusBody, hint?: string) {
    const reason =
      status.reason !== undefined && reasonShape.test(status.reason) ? status.reason : (reasonOfStatus[httpStatus] ?? 'Unknown');
    const code = codeOfReason[reason] ?? codeOfReason[reasonOfStatus[httpStatus] ?? ''] ?? 'API_ERROR';
    const advice = hint ?? adviceFor(httpStatus, code, status);
    super(code, `${method} ${path}: ${httpStatus} ${reason}${status.message ? `: ${status.message}` : ''}${advice ? ` (${advice})` : ''}`);
    this.hint = advice;
    this.httpStatus = httpStatus;
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
 * import { hasStatusCause, isApiError } from 'capstan/client';
 * function isTooLargeResourceVersion(err: unknown): boolean {
 *   return isApiError(err) && err.code === 'TIMEOUT' && hasStatusCause(err.status, 'ResourceVersionTooLarge');
 * }
 * ```
 */
export function hasStatusCause(status: StatusBody, type: string): boolean {
  return (status.details?.causes ?? []).some((cause) => cause.type === type || cause.reason === type);
}

/** The default advice for an error status: what a caller should do next. */
function adviceFor(httpStatus: number, code: ApiErrorCode, status: StatusBody): string | undefined {
  // NamespaceLifecycle's refusal is a 403 too, but no Role grants a create in a namespace being deleted.
  if (code === 'FORBIDDEN' && hasStatusCause(status, 'NamespaceTerminating'))
    return 'the namespace is being deleted: nothing new can be created in it';
  switch (code) {
    case 'UNAUTHORIZED':
      return 'the credentials were rejected: renew the token or certificate';
    case 'FORBIDDEN':
      return 'grant the missing verb on this resource to the user through a Role or ClusterRole';
    case 'CONFLICT':
      return 'the object changed since it was read: read it again and retry';
    case 'ALREADY_EXISTS':
      return 'an object of that name exists: update it, or pick another name';
    case 'INVALID':
      return 'fix the fields listed in status.details.causes';
    case 'EXPIRED':
    case 'GONE':
      return 'the resourceVersion is too old: list again';
    case 'TOO_MANY_REQUESTS':
      return 'the server is overloaded or still starting: retry after a backoff';
    default:
      return httpStatus >= 500 ? 'a server-side problem: retry after a backoff' : undefined;
  }
}

/**
 * Errors of the client layer that are not API answers: bad kubeconfig, timeouts, unreachable server. The
 * `REQUEST_TIMEOUT` and `CONNECTION_FAILED` ones are worth retrying after a backoff ({@link isRetryable}).
 *
 * @example
 * ```ts
 * import { isCapstanError } from 'capstan/core';
 * function badKubeconfig(err: unknown): boolean {
 *   return isCapstanError(err) && err.code === 'KUBECONFIG_INVALID';
 * }
 * ```
 */
export class ClientError extends CapstanError<ClientErrorCode> {}

/**
 * What went wrong before or outside an API answer:
 * - `KUBECONFIG_INVALID`: the kubeconfig is missing, unreadable or incomplete (the message names the file);
 * - `CREDENTIALS_UNAVAILABLE`: a token file cannot be read or an exec plugin failed;
 * - `REQUEST_TIMEOUT`: no answer within the request timeout;
 * - `CONNECTION_FAILED`: the server cannot be reached, or the connection broke;
 * - `INVALID_ARGUMENT`: the call itself is incomplete (e.g. no namespace for a namespaced object);
 * - `INVALID_RESPONSE`: the server's answer is not what the API promises (e.g. a body that is not JSON).
 *
 * @noExample An error-code union: compare a {@link ClientError}'s `code` with one, as its example does.
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
 * It is still an {@link ApiError} with `httpStatus` 404 and `code` `NOT_FOUND`, so {@link isNotFound} holds for it;
 * `instanceof UnknownResourceError` (or a `resource` field) tells the two apart.
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
  /** The resource type the server does not serve: its group, version and plural. */
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
