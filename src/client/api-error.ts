import { CapstanError } from '../core/index.ts';

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

  constructor(method: string, path: string, code: number, status: StatusBody) {
    const reason = status.reason ?? reasonForCode(code);
    super(`${method} ${path}: ${code} ${reason}${status.message ? `: ${status.message}` : ''}`);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

function reasonForCode(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 409: return 'Conflict';
    case 410: return 'Gone';
    case 415: return 'UnsupportedMediaType';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return 'Unknown';
  }
}

/** Errors of the client layer that are not API answers: bad kubeconfig, timeouts, unreachable server. */
export class ClientError extends CapstanError<'KUBECONFIG_INVALID' | 'REQUEST_TIMEOUT' | 'CONNECTION_FAILED'> {}
