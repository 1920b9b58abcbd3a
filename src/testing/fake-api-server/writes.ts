// The writes of the fake API server: create, update, patch (merge, JSON, server-side apply) and delete, each kept to
// kube-apiserver's rules for identity, versions, generation, the status subresource, finalizers and managedFields.
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type JsonPatchOperation, type KubeObject } from '../../core/index.ts';
import { deepEqual, isPlainObject } from '../../internal/json.ts';
import { type ApiCall, isDryRun, isTrue, objectBody, parsedBody, timestamp } from './api-call.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { applyJsonPatch, JsonPatchFailure } from './json-patch.ts';
import { applyConfiguration, type OwnershipOptions, recordUpdate, type WriteScope } from './managed-fields.ts';
import { applyMergePatch } from './merge-patch.ts';
import type { ObjectStore } from './object-store.ts';
import { existingObject } from './reads.ts';
import type { ServedKinds } from './request-path.ts';
import {
  alreadyExists,
  applyConflict,
  badRequest,
  invalid,
  notFound,
  staleVersion,
  unprocessable,
  unsupportedMediaType,
} from './statuses.ts';

/** The field manager of a write that names none: what the API server derives from Capstan's default user agent. */
export const defaultFieldManager = 'capstan';

/** The object without what a write never compares: resourceVersion and managedFields times. */
function comparable(object: KubeObject): unknown {
  const { resourceVersion: _rv, managedFields, ...metadata } = object.metadata;
  return { ...object, metadata: { ...metadata, managedFields: managedFields?.map(({ time: _t, ...entry }) => entry) } };
}

/** The object without metadata and status: what `metadata.generation` counts changes of. */
function specOf(object: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = object as KubeObject & Record<string, unknown>;
  return rest;
}

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** The five characters the API server appends to a `generateName`. */
function generatedSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += nameAlphabet[Math.floor(Math.random() * nameAlphabet.length)];
  return suffix;
}

/** Metadata without what only the server sets. */
function withoutServerFields(metadata: KubeObject['metadata']): KubeObject['metadata'] {
  const {
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _created,
    generation: _generation,
    deletionTimestamp: _deleting,
    deletionGracePeriodSeconds: _grace,
    managedFields: _managed,
    selfLink: _self,
    ...rest
  } = metadata;
  return rest;
}

/** Every write of the fake API server, on one store. */
export class ObjectWriter {
  private readonly store: ObjectStore;
  private readonly now: () => Date;
  private readonly collector: GarbageCollector;

  constructor(store: ObjectStore, kinds: ServedKinds, now: () => Date) {
    this.store = store;
    this.now = now;
    this.collector = new GarbageCollector(store, kinds, now, (call, name) => {
      this.delete(call, name, { propagationPolicy: 'Background' });
    });
  }

  /** POST: a new object, named or from `generateName`; status is dropped, as for a kind with a status subresource. */
  create(call: ApiCall, body: unknown): KubeObject {
    const { kind, namespace } = call.target;
    const object = objectBody(call, body);
    this.checkIdentity(call, object, undefined);
    if (kind.namespaced && namespace === undefined) throw badRequest(call, 'a namespace is required to create a namespaced object');
    const name = object.metadata.name || (object.metadata.generateName ? object.metadata.generateName + generatedSuffix() : undefined);
    if (!name) throw invalid(call, kind, '', 'metadata.name', 'Required value: name or generateName is required');
    if (this.store.get(kind, namespace, name)) throw alreadyExists(call, kind, name);
    const now = this.now();
    const { status: _dropped, ...fields } = object as KubeObject & Record<string, unknown>;
    const created: KubeObject = {
      ...fields,
      apiVersion: apiVersionOf(kind),
      kind: kind.kind,
      metadata: { ...withoutServerFields(object.metadata), name, ...(kind.namespaced ? { namespace } : {}) },
    };
    created.metadata.managedFields = recordUpdate(undefined, created, this.ownership(call, 'main', now));
    return this.commitNew(call, created, now);
  }

  /** PUT of the object or its status; a `resourceVersion` in the body is a precondition. */
  update(call: ApiCall, name: string, body: unknown, scope: WriteScope): KubeObject {
    const object = objectBody(call, body);
    this.checkIdentity(call, object, name);
    const before = existingObject(this.store, call, name);
    this.checkVersion(call, before, object.metadata.resourceVersion);
    return this.write(call, before, object, scope, (after, now) => recordUpdate(before, after, this.ownership(call, scope, now)));
  }

  /** PATCH: merge patch, JSON patch, or (`application/apply-patch+yaml`) server-side apply. */
  patch(call: ApiCall, name: string, body: unknown, contentType: string, scope: WriteScope): KubeObject {
    const type = contentType.split(';')[0]!.trim();
    if (type === 'application/apply-patch+yaml') return this.apply(call, name, body, scope);
    const before = existingObject(this.store, call, name);
    let patched: unknown;
    if (type === 'application/merge-patch+json') {
      patched = applyMergePatch(before, parsedBody(body));
    } else if (type === 'application/json-patch+json') {
      const operations = parsedBody(body);
      if (!Array.isArray(operations)) throw badRequest(call, 'a JSON patch is a list of operations');
      try {
        patched = applyJsonPatch(before, operations as JsonPatchOperation[]);
      } catch (err) {
        if (!(err instanceof JsonPatchFailure)) throw err;
        throw unprocessable(call, err.message);
      }
    } else throw unsupportedMediaType(call, contentType);
    const object = objectBody(call, patched);
    this.checkIdentity(call, object, name);
    this.checkVersion(call, before, object.metadata.resourceVersion);
    return this.write(call, before, object, scope, (after, now) => recordUpdate(before, after, this.ownership(call, scope, now)));
  }

  /** Server-side apply of the object or its status; creates the object when it is missing (not its status). */
  apply(call: ApiCall, name: string, body: unknown, scope: WriteScope): KubeObject {
    const { kind, namespace } = call.target;
    const config = objectBody(call, body);
    this.checkIdentity(call, config, name);
    if (config.apiVersion === undefined || config.kind === undefined) {
      throw badRequest(call, 'an applied object needs its apiVersion and kind');
    }
    const manager = call.query['fieldManager'];
    if (!manager) throw invalid(call, kind, name, 'fieldManager', 'Required value: is required for apply patch');
    const force = isTrue(call.query['force']);
    const now = this.now();
    const ownership = { ...this.ownership(call, scope, now), force };
    const before = this.store.get(kind, namespace, name);
    if (!before) {
      if (scope === 'status') throw notFound(call, kind, name);
      const live: KubeObject = {
        apiVersion: apiVersionOf(kind),
        kind: kind.kind,
        metadata: { name, ...(kind.namespaced ? { namespace } : {}) },
      };
      const result = applyConfiguration(live, { ...config, metadata: withoutServerFields(config.metadata) }, ownership);
      if (!result.ok) throw applyConflict(call, result.conflicts);
      const { status: _dropped, ...created } = result.object as KubeObject & Record<string, unknown>;
      return this.commitNew(call, created, now);
    }
    this.checkVersion(call, before, config.metadata.resourceVersion);
    const result = applyConfiguration(before, config, ownership);
    if (!result.ok) throw applyConflict(call, result.conflicts);
    return this.write(call, before, result.object, scope, () => result.managedFields);
  }

  /**
   * DELETE: an object with finalizers gets `deletionTimestamp` and stays; one without is removed, and the garbage
   * collector follows. Preconditions (uid, resourceVersion) are checked, `Orphan` strips the dependents' references.
   */
  delete(call: ApiCall, name: string, body: unknown): KubeObject {
    const { kind } = call.target;
    const before = existingObject(this.store, call, name);
    const options = (isPlainObject(body) ? body : {}) as {
      propagationPolicy?: string;
      preconditions?: { uid?: string; resourceVersion?: string };
      dryRun?: string[];
    };
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid !== undefined && uid !== before.metadata.uid) {
      throw staleVersion(call, kind, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${before.metadata.uid}`);
    }
    if (resourceVersion !== undefined && resourceVersion !== before.metadata.resourceVersion) {
      throw staleVersion(
        call,
        kind,
        name,
        `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${before.metadata.resourceVersion}`,
      );
    }
    if (isDryRun(call) || options.dryRun?.includes('All')) return before;
    if (options.propagationPolicy === 'Orphan') this.collector.orphan(before);
    if (before.metadata.finalizers?.length) {
      if (before.metadata.deletionTimestamp) return before;
      const deleting = structuredClone(before);
      deleting.metadata.deletionTimestamp = timestamp(this.now());
      deleting.metadata.deletionGracePeriodSeconds = 0;
      if (deleting.metadata.generation !== undefined) deleting.metadata.generation += 1;
      return this.store.put(kind, deleting, before);
    }
    const gone = this.store.remove(kind, before);
    this.collector.collect(gone);
    return gone;
  }

  /**
   * Store `proposed` as the new state of `before`: identity and (for the main resource) status kept, or (for the
   * status subresource) all but status kept; generation counted; managedFields from `ownership`; nothing stored
   * when nothing changed or for a dry run. An object being deleted whose last finalizer goes is removed.
   */
  private write(
    call: ApiCall,
    before: KubeObject,
    proposed: KubeObject,
    scope: WriteScope,
    ownership: (after: KubeObject, now: Date) => KubeObject['metadata']['managedFields'],
  ): KubeObject {
    const { kind } = call.target;
    const now = this.now();
    const after = structuredClone(scope === 'status' ? before : proposed) as KubeObject & Record<string, unknown>;
    const status = (scope === 'status' ? proposed : before) as KubeObject & Record<string, unknown>;
    if (status['status'] === undefined) delete after['status'];
    else after['status'] = structuredClone(status['status']);
    after.apiVersion = apiVersionOf(kind);
    after.kind = kind.kind;
    const m = before.metadata;
    after.metadata = {
      ...after.metadata,
      name: m.name,
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
      generation: m.generation,
    };
    for (const field of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName'] as const) {
      if (m[field] === undefined) delete after.metadata[field];
      else (after.metadata as Record<string, unknown>)[field] = m[field];
    }
    if (m.deletionTimestamp) {
      const added = (after.metadata.finalizers ?? []).filter((f) => !(m.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw invalid(
          call,
          kind,
          m.name ?? '',
          'metadata.finalizers',
          'Forbidden: no new finalizers can be added if the object is being deleted',
        );
      }
    }
    if (after.metadata.finalizers?.length === 0) delete after.metadata.finalizers;
    if (!deepEqual(specOf(before), specOf(after))) after.metadata.generation = (m.generation ?? 0) + 1;
    const managedFields = ownership(after, now) ?? [];
    if (managedFields.length > 0) after.metadata.managedFields = managedFields;
    else delete after.metadata.managedFields;
    if (deepEqual(comparable(before), comparable(after))) return before;
    if (isDryRun(call)) return after;
    const stored = this.store.put(kind, after, before);
    if (stored.metadata.deletionTimestamp && !stored.metadata.finalizers?.length) {
      const gone = this.store.remove(kind, stored);
      this.collector.collect(gone);
    }
    return stored;
  }

  /** Store a new object with its uid, creationTimestamp and generation 1 (not for a dry run). */
  private commitNew(call: ApiCall, object: KubeObject, now: Date): KubeObject {
    const created = structuredClone(object);
    created.metadata.uid = randomUUID();
    created.metadata.creationTimestamp = timestamp(now);
    created.metadata.generation = 1;
    if (created.metadata.managedFields?.length === 0) delete created.metadata.managedFields;
    if (isDryRun(call)) return created;
    return this.store.put(call.target.kind, created, undefined);
  }

  /** The body's namespace must be the URL's (or absent); its name, when the URL names one, the URL's; its type the kind's. */
  private checkIdentity(call: ApiCall, object: KubeObject, name: string | undefined): void {
    const { kind, namespace } = call.target;
    if (kind.namespaced && object.metadata.namespace !== undefined && object.metadata.namespace !== namespace) {
      throw badRequest(call, 'the namespace of the provided object does not match the namespace sent on the request');
    }
    if (name !== undefined && object.metadata.name !== undefined && object.metadata.name !== name) {
      throw badRequest(call, `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
    }
    const apiVersion = apiVersionOf(kind);
    if ((object.apiVersion !== undefined && object.apiVersion !== apiVersion) || (object.kind !== undefined && object.kind !== kind.kind)) {
      throw badRequest(call, `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersion})`);
    }
  }

  /** A `resourceVersion` the write names must still be the object's: else 409 Conflict. */
  private checkVersion(call: ApiCall, before: KubeObject, resourceVersion: string | undefined): void {
    if (resourceVersion !== undefined && resourceVersion !== '' && resourceVersion !== before.metadata.resourceVersion) {
      throw staleVersion(call, call.target.kind, before.metadata.name ?? '');
    }
  }

  /** The field manager the request names, or the default. */
  private manager(call: ApiCall): string {
    return call.query['fieldManager'] ?? defaultFieldManager;
  }

  /** Whose write this is, for managedFields. */
  private ownership(call: ApiCall, scope: WriteScope, now: Date): OwnershipOptions {
    return { manager: this.manager(call), scope, apiVersion: apiVersionOf(call.target.kind), time: timestamp(now) };
  }
}
