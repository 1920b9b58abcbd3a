// The HelloWorld operator's writes, from its own request log or from the audit log, with the HelloWorld each
// one is for: its ConfigMap, its status, or an Event about it (named `<name>.<random hex>` by the recorder).
// The Lease is the elector's, not a HelloWorld's: it is told apart so a rule can include or exclude it.
import { type AuditEvent, isObjectWrite } from '../../src/testing/index.ts';
import type { LoggedRequest } from './rig.ts';

/** The resources the operator writes on behalf of HelloWorlds. */
export const dataResources: readonly string[] = ['helloworlds', 'configmaps', 'events'];

const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a request path names: `/api/v1/namespaces/ns/configmaps/x`, `/apis/g/v/namespaces/ns/helloworlds/x/status`. */
export interface PathTarget {
  resource: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export function targetOfPath(path: string): PathTarget {
  const parts = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [resource = '', name, subresource] = namespaced ? rest.slice(2) : rest;
  return { resource, namespace: namespaced ? rest[1] : undefined, name, subresource };
}

/** The `namespace/name` of the HelloWorld a write of `resource` named `name` is for (an Event: the name before its suffix). */
export function helloWorldKey(resource: string | undefined, namespace: string | undefined, name: string | undefined): string | undefined {
  if (!namespace || !name || !resource || !dataResources.includes(resource)) return undefined;
  const object = resource === 'events' ? name.replace(/\.[0-9a-f]+$/, '') : name;
  return `${namespace}/${object}`;
}

/** A write from the operator's request log, with what it is for. */
export interface LoggedWrite extends LoggedRequest {
  target: PathTarget;
  /** The HelloWorld it is for, when its path names one (an Event's create names none). */
  key: string | undefined;
}

/** The writes (POST, PUT, PATCH, DELETE) in a request log; `data` keeps only those to HelloWorlds, ConfigMaps and Events. */
export function loggedWrites(requests: readonly LoggedRequest[], options: { data?: boolean } = {}): LoggedWrite[] {
  return requests
    .filter((r) => writeMethods.has(r.method))
    .map((r) => {
      const target = targetOfPath(r.path);
      return { ...r, target, key: helloWorldKey(target.resource, target.namespace, target.name) };
    })
    .filter((w) => !options.data || dataResources.includes(w.target.resource));
}

/** The completed writes in audit events; `data` keeps only those to HelloWorlds, ConfigMaps and Events. */
export function auditedWrites(events: readonly AuditEvent[], options: { data?: boolean } = {}): AuditEvent[] {
  return events.filter((e) => isObjectWrite(e, { leases: true }) && (!options.data || dataResources.includes(e.objectRef?.resource ?? '')));
}

/** The HelloWorld an audited write is for (the audit log names the object of a create too). */
export function auditedKey(event: AuditEvent): string | undefined {
  return helloWorldKey(event.objectRef?.resource, event.objectRef?.namespace, event.objectRef?.name);
}

/** `verb resource namespace/name at received time`, for assertion messages. */
export function describeAudited(event: AuditEvent): string {
  const ref = event.objectRef;
  return (
    `${event.verb} ${ref?.resource ?? '?'}${ref?.subresource ? `/${ref.subresource}` : ''} ${ref?.namespace ?? ''}/${ref?.name ?? ''} ` +
    `received ${event.requestReceivedTimestamp} → ${event.responseStatus?.code ?? '?'}`
  );
}

/** `METHOD path (code) at ISO time`, for assertion messages. */
export function describeLogged(request: LoggedRequest): string {
  return `${request.method} ${request.path} (${request.code}) sent ${new Date(request.startedAt).toISOString()}`;
}
