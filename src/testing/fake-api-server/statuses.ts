// The Status bodies kube-apiserver refuses requests with, as ApiErrors: the same reason, code, details and message
// shape, so the client's predicates (isNotFound, isConflict, …) and UnknownResourceError answer as over HTTP.
import { ApiError, type StatusBody } from '../../client/index.ts';
import type { Kind } from '../../core/index.ts';
import { describePath } from './field-paths.ts';
import type { FieldConflict } from './managed-fields.ts';

/** The request a refusal answers: its method and path, as the ApiError names them. */
export interface Refused {
  readonly method: string;
  readonly path: string;
}

function refuse(request: Refused, code: number, reason: string, message: string, details?: StatusBody['details']): ApiError {
  const status: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
  return new ApiError(request.method, request.path, code, status);
}

/** `<plural>.<group>` or `<plural>`, as the API server names a resource in messages. */
function resourceName(kind: Kind): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

/** The details of a refusal about one object; the core group is left out, as the server's JSON omits it. */
function detailsOf(kind: Kind, name: string): NonNullable<StatusBody['details']> {
  return { name, ...(kind.group ? { group: kind.group } : {}), kind: kind.plural };
}

/** 404 for a path no served resource answers: no `details.name`, so the client reports an unknown resource type. */
export function unknownResource(request: Refused): ApiError {
  return refuse(request, 404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 404 NotFound for a missing object. */
export function notFound(request: Refused, kind: Kind, name: string): ApiError {
  return refuse(request, 404, 'NotFound', `${resourceName(kind)} "${name}" not found`, detailsOf(kind, name));
}

/** 409 AlreadyExists for a create of a taken name. */
export function alreadyExists(request: Refused, kind: Kind, name: string): ApiError {
  return refuse(request, 409, 'AlreadyExists', `${resourceName(kind)} "${name}" already exists`, detailsOf(kind, name));
}

/** 409 Conflict for a stale resourceVersion (or another precondition that no longer holds). */
export function staleVersion(request: Refused, kind: Kind, name: string, why?: string): ApiError {
  return refuse(
    request,
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resourceName(kind)} "${name}": ${why ?? 'the object has been modified; please apply your changes to the latest version and try again'}`,
    detailsOf(kind, name),
  );
}

/** A manager as the API server names it in a conflict: `"name"`, its subresource, and the version of an update. */
function managerName(conflict: FieldConflict): string {
  let name = JSON.stringify(conflict.manager);
  if (conflict.subresource) name += ` with subresource ${JSON.stringify(conflict.subresource)}`;
  if (conflict.operation === 'Update') name += ` using ${conflict.apiVersion ?? ''}`;
  return name;
}

/** 409 Conflict of a server-side apply: one `FieldManagerConflict` cause per field and manager, worded as the API server words them. */
export function applyConflict(request: Refused, conflicts: readonly FieldConflict[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${managerName(c)}`,
    field: describePath(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: ${causes[0]!.message}: ${causes[0]!.field}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const [i, c] of conflicts.entries()) byManager.set(managerName(c), [...(byManager.get(managerName(c)) ?? []), causes[i]!.field]);
    const lines = [...byManager.keys()].sort().flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((f) => `- ${f}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return refuse(request, 409, 'Conflict', message, { causes });
}

/** 422 Invalid, with one cause naming the field. */
export function invalid(request: Refused, kind: Kind, name: string, field: string, message: string): ApiError {
  return refuse(request, 422, 'Invalid', `${kind.kind}${kind.group ? `.${kind.group}` : ''} "${name}" is invalid: ${field}: ${message}`, {
    ...detailsOf(kind, name),
    kind: kind.kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
}

/** 422 Invalid without an object, as a JSON patch that cannot be applied gets it. */
export function unprocessable(request: Refused, message: string): ApiError {
  return refuse(request, 422, 'Invalid', `the server rejected our request due to an error in our request (${message})`, {
    causes: [{ reason: 'UnexpectedServerResponse', message }],
  });
}

/** 400 BadRequest. */
export function badRequest(request: Refused, message: string): ApiError {
  return refuse(request, 400, 'BadRequest', message);
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(request: Refused): ApiError {
  return refuse(request, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/** 415 UnsupportedMediaType, for a patch type the fake does not implement. */
export function unsupportedMediaType(request: Refused, contentType: string): ApiError {
  return refuse(
    request,
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType})`,
  );
}

/** The Status of a watch's ERROR event when its resourceVersion is older than the history kept: 410 Expired. */
export function expiredStatus(requested: string, oldest: string): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: `too old resource version: ${requested} (${oldest})`,
    reason: 'Expired',
    code: 410,
  };
}
