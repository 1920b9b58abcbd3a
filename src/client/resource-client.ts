import {
  apiVersionOf,
  formatLabelSelector,
  type JsonPatchOperation,
  type Kind,
  type KubeObject,
  type LabelSelectorInput,
  type ObjectList,
  resourcePath,
} from '../core/index.ts';
import { ApiError, ClientError, UnknownResourceError } from './api-error.ts';
import { isConflict, isNotFound } from './error-predicates.ts';
import type { KubeClient } from './kube-client.ts';
import { parseWatchStream, type WatchStream } from './watch-stream.ts';

/**
 * What every call takes: a signal to give up, and a timeout other than the client's.
 *
 * @noExample The common part of every {@link ResourceClient} call's options; {@link ListOptions}'s example sets a timeout.
 */
export interface CallOptions {
  /** Gives up the call: it rejects with the signal's reason, and a watch's stream ends. */
  signal?: AbortSignal;
  /** Replaces the client's timeout (30 s) for this call; for a watch it covers only the wait for the response headers. */
  timeoutMs?: number;
}

/**
 * Options of a call on one object.
 *
 * @noExample Options of {@link ResourceClient.get}, `delete` and the writes; {@link ResourceClient}'s example passes them.
 */
export interface ObjectOptions extends CallOptions {
  /**
   * The object's namespace; ignored for a cluster-scoped kind. A create, update or apply takes the object's own
   * `metadata.namespace` first; otherwise the client's namespace (the kubeconfig context's, or the pod's) is the
   * default, and with none of these the call fails with `INVALID_ARGUMENT`.
   */
  namespace?: string;
}

/**
 * Where a list or watch looks: a namespace (all when omitted, for namespaced kinds) and selectors.
 *
 * @noExample Part of {@link ListOptions}, {@link WatchRequestOptions} and the watcher's options; `ListOptions`'s example sets it.
 */
export interface CollectionScope {
  /** Only this namespace; every namespace when omitted (the client's namespace is no default here). Ignored for a cluster-scoped kind. */
  namespace?: string;
  /** Only objects whose labels match: the API string form (`app=web,tier!=db`) or a `metav1.LabelSelector`. */
  labelSelector?: LabelSelectorInput;
  /** The API string form, e.g. `metadata.name=hello`. */
  fieldSelector?: string;
}

/**
 * Options of one list page.
 *
 * @example
 * ```ts
 * import { Pod } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * const pods = client.resource(Pod);
 * let continueToken: string | undefined;
 * do {
 *   const page = await pods.list({ namespace: 'default', labelSelector: 'app=web', limit: 100, continueToken, timeoutMs: 10_000 });
 *   for (const pod of page.items) console.log(pod.metadata.name, pod.status?.phase);
 *   continueToken = page.metadata.continue;
 * } while (continueToken);
 * await client.close();
 * ```
 */
export interface ListOptions extends CallOptions, CollectionScope {
  /** Page size; the server may return fewer and a `continue` token. */
  limit?: number;
  /** The previous page's `metadata.continue`: the next page of the same snapshot (410 `Expired` once etcd compacted past it). */
  continueToken?: string;
  /** Which version to read: none for the latest (a quorum read), `'0'` for any (the watch cache, possibly stale), else with `resourceVersionMatch`. */
  resourceVersion?: string;
  /** How `resourceVersion` applies: exactly that version, or any not older (the API server's semantics). */
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

/**
 * Options of a watch request.
 *
 * @noExample Options of {@link ResourceClient.watch}; {@link WatchStream}'s example passes them (the watcher of `capstan/watch` sets them all).
 */
export interface WatchRequestOptions extends CallOptions, CollectionScope {
  /** Resume after this version; omit to start from now (with the server's choice of initial events). */
  resourceVersion?: string;
  /** Ask for `BOOKMARK` events, which advance the resourceVersion to resume from without an object change. */
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long (it picks a default of its own when omitted). */
  timeoutSeconds?: number;
  /**
   * A streaming list (KEP-3157): the watch begins with an `ADDED` event per object, then a bookmark annotated
   * `k8s.io/initial-events-end: "true"`. Needs `resourceVersionMatch: 'NotOlderThan'` and bookmarks allowed.
   */
  sendInitialEvents?: boolean;
  /** `NotOlderThan`, required with `sendInitialEvents`. */
  resourceVersionMatch?: 'NotOlderThan';
}

/**
 * Options of a write.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * const settings = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'demo' }, data: { mode: 'fast' } };
 * // Admission and validation run, nothing is stored: a 422 here means the real create would fail too.
 * await client.resource(ConfigMap).create(settings, { dryRun: true, fieldManager: 'settings-operator' });
 * await client.close();
 * ```
 */
export interface WriteOptions extends ObjectOptions {
  /** Validate and admit, but persist nothing (`dryRun=All`). */
  dryRun?: boolean;
  /** The manager recorded in `managedFields`. */
  fieldManager?: string;
}

/**
 * Options of a patch; `status: true` patches the status subresource.
 *
 * @example
 * ```ts
 * import { Deployment } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * const deployments = client.resource(Deployment);
 * await deployments.mergePatch('web', { spec: { replicas: 3 } }, { namespace: 'demo', fieldManager: 'scaler' });
 * await client.close();
 * ```
 */
export interface PatchOptions extends WriteOptions {
  /** Patch the `status` subresource (the kind must have one); changes outside `status` are ignored there. */
  status?: boolean;
}

/**
 * Options of a server-side apply; `force` takes fields over from other managers, and is never implied.
 *
 * @noExample Options of {@link ResourceClient.apply}; {@link ResourceClient}'s example applies with a `fieldManager`.
 */
export interface ApplyOptions extends PatchOptions {
  /** The field manager that owns the applied fields: one stable name per controller, e.g. `hello-operator`. */
  fieldManager: string;
  /** Take over fields other managers own instead of failing with 409 Conflict. */
  force?: boolean;
}

/**
 * Options of a delete.
 *
 * @example
 * ```ts
 * import { Job } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * declare const uid: string; // the uid of the Job you decided to delete
 * const client = await KubeClient.fromKubeconfig();
 * // Delete its Pods with it, and only if it is still the same Job (not one recreated under the same name).
 * await client.resource(Job).delete('nightly-backup', { namespace: 'demo', propagationPolicy: 'Background', preconditions: { uid } });
 * await client.close();
 * ```
 */
export interface DeleteOptions extends ObjectOptions {
  /** Validate and admit, but delete nothing (`dryRun=All`). */
  dryRun?: boolean;
  /** What happens to the objects it owns: `Background` (the default) deletes them after it, `Foreground` before it, `Orphan` never. */
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** How long the object may take to terminate, in seconds (a Pod's grace period; 0 is at once); the object's default when omitted. */
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion (409 Conflict otherwise). */
  preconditions?: {
    /** The uid the object must have: not a new object that took its name. */
    uid?: string;
    /** The resourceVersion it must have: unchanged since it was read. */
    resourceVersion?: string;
  };
}

/**
 * A JSON merge patch (RFC 7386): fields set replace, `null` removes. Lists are replaced whole: to change one
 * container or condition, use server-side apply or a JSON patch.
 *
 * @example
 * ```ts
 * import type { MergePatch } from 'capstan/client';
 * const patch: MergePatch = { metadata: { labels: { tier: 'web', legacy: null } } }; // sets tier, removes legacy
 * ```
 */
export type MergePatch = Record<string, unknown>;

const partialObjectMetadata = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
const partialObjectMetadataList = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/**
 * Typed requests for one kind, built-in or custom: get, list (one page or all pages), create, update,
 * merge and JSON patch, server-side apply, delete, the status subresource, dry runs, and watch.
 * Get it from {@link KubeClient.resource} (or {@link KubeClient.metadata} for metadata-only reads).
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * const configMaps = client.resource(ConfigMap);
 * await configMaps.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hello', namespace: 'default' }, data: { a: '1' } },
 *   { fieldManager: 'my-operator' });
 * await configMaps.mergePatch('hello', { data: { b: '2' } }, { namespace: 'default' });
 * await configMaps.delete('hello', { namespace: 'default' });
 * await client.close();
 * ```
 */
export class ResourceClient<T extends KubeObject> {
  /** The kind this client reads and writes. */
  readonly kind: Kind;
  /** True when the server is asked for `PartialObjectMetadata` instead of full objects. */
  readonly metadataOnly: boolean;
  private readonly client: KubeClient;

  constructor(client: KubeClient, kind: Kind, metadataOnly: boolean) {
    this.client = client;
    this.kind = kind;
    this.metadataOnly = metadataOnly;
  }

  /** Read one object. */
  async get(name: string, options: ObjectOptions = {}): Promise<T> {
    return this.call({ ...options, method: 'GET', path: this.path(name, options.namespace, 'get'), accept: this.accept(false) });
  }

  /** Read one page of the collection. */
  async list(options: ListOptions = {}): Promise<ObjectList<T>> {
    const page = await this.call<ObjectList<T>>({
      ...options,
      method: 'GET',
      path: this.collectionPath(options.namespace),
      accept: this.accept(true),
      query: {
        ...scopeQuery(options),
        limit: options.limit,
        continue: options.continueToken,
        resourceVersion: options.resourceVersion,
        resourceVersionMatch: options.resourceVersionMatch,
      },
    });
    // An empty PartialObjectMetadataList comes with `items: null`.
    return { ...page, items: page.items ?? [] };
  }

  /** Read the whole collection, `pageSize` objects per request, as one consistent snapshot. */
  async listAll(options: Omit<ListOptions, 'limit' | 'continueToken'> & { pageSize?: number } = {}): Promise<ObjectList<T>> {
    const items: T[] = [];
    let page: ObjectList<T> | undefined;
    do {
      page = await this.list({ ...options, limit: options.pageSize ?? 500, continueToken: page?.metadata.continue });
      items.push(...page.items);
    } while (page.metadata.continue);
    return { ...page, metadata: { resourceVersion: page.metadata.resourceVersion }, items };
  }

  /** Create an object; its namespace comes from `metadata.namespace` or `options.namespace`. */
  async create(object: T, options: WriteOptions = {}): Promise<T> {
    const namespace = this.namespaceOf(object, options, 'create');
    return this.call({
      ...options,
      method: 'POST',
      path: this.collectionPath(namespace),
      body: this.withTypeMeta(object),
      query: writeQuery(options),
    });
  }

  /** Replace an object (PUT); set `metadata.resourceVersion` to fail with 409 Conflict if it changed meanwhile. */
  async update(object: T, options: WriteOptions = {}): Promise<T> {
    return this.put(object, options, undefined);
  }

  /** Replace an object's status through the `status` subresource (spec changes are ignored there). */
  async updateStatus(object: T, options: WriteOptions = {}): Promise<T> {
    return this.put(object, options, 'status');
  }

  /** Apply a JSON merge patch (`null` removes a field). */
  async mergePatch(name: string, patch: MergePatch, options: PatchOptions = {}): Promise<T> {
    return this.patch(name, patch, 'application/merge-patch+json', options);
  }

  /** Apply a JSON patch (RFC 6902); a failing `test` operation gives 422 Invalid. */
  async jsonPatch(name: string, operations: JsonPatchOperation[], options: PatchOptions = {}): Promise<T> {
    return this.patch(name, operations, 'application/json-patch+json', options);
  }

  /**
   * Server-side apply: the fields in `object` become owned by `fieldManager`. A field another manager owns
   * gives 409 Conflict unless `force: true` is given explicitly.
   */
  async apply(object: T, options: ApplyOptions): Promise<T> {
    const name = object.metadata.name;
    if (!name) throw new ClientError('INVALID_ARGUMENT', `apply ${this.kind.plural}: metadata.name is required`);
    const namespace = this.namespaceOf(object, options, 'apply');
    try {
      return await this.patch(
        name,
        this.withTypeMeta(object),
        'application/apply-patch+yaml',
        { ...options, namespace },
        { force: options.force },
      );
    } catch (err) {
      if (!isConflict(err)) throw err;
      throw new ApiError(
        err.method,
        err.path,
        err.httpStatus,
        err.status,
        'other field managers own these fields: leave them out of the applied object, or pass force: true to take them over',
      );
    }
  }

  /** Delete an object; garbage collection of its dependents follows `propagationPolicy` (Background by default). */
  async delete(name: string, options: DeleteOptions = {}): Promise<void> {
    await this.call({
      ...options,
      method: 'DELETE',
      path: this.path(name, options.namespace, 'delete'),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: options.propagationPolicy,
        gracePeriodSeconds: options.gracePeriodSeconds,
        preconditions: options.preconditions,
        dryRun: options.dryRun ? ['All'] : undefined,
      },
    });
  }

  /**
   * Open a watch and resolve once the server accepted it (an error answer throws here, as an
   * {@link ApiError}); then iterate its events until the server ends it or `signal` aborts.
   */
  async watch(options: WatchRequestOptions = {}): Promise<WatchStream<T>> {
    const path = this.collectionPath(options.namespace);
    const response = await this.guard('GET', path, () =>
      this.client.stream({
        ...options,
        method: 'GET',
        path,
        accept: this.accept(false),
        query: {
          ...scopeQuery(options),
          watch: true,
          resourceVersion: options.resourceVersion,
          allowWatchBookmarks: options.allowWatchBookmarks,
          timeoutSeconds: options.timeoutSeconds,
          sendInitialEvents: options.sendInitialEvents,
          resourceVersionMatch: options.resourceVersionMatch,
        },
      }),
    );
    return parseWatchStream<T>(response.body, `watch ${path}`);
  }

  private put(object: T, options: WriteOptions, subresource: 'status' | undefined): Promise<T> {
    const name = object.metadata.name;
    if (!name) throw new ClientError('INVALID_ARGUMENT', `update ${this.kind.plural}: metadata.name is required`);
    const namespace = this.namespaceOf(object, options, 'update');
    return this.call({
      ...options,
      method: 'PUT',
      path: resourcePath(this.kind, { namespace, name, subresource }),
      body: this.withTypeMeta(object),
      query: writeQuery(options),
    });
  }

  private patch(
    name: string,
    body: unknown,
    contentType: string,
    options: PatchOptions,
    extra: Record<string, boolean | undefined> = {},
  ): Promise<T> {
    const namespace = this.requireNamespace(options.namespace, 'patch');
    return this.call({
      ...options,
      method: 'PATCH',
      path: resourcePath(this.kind, { namespace, name, subresource: options.status ? 'status' : undefined }),
      body,
      contentType,
      query: { ...writeQuery(options), ...extra },
    });
  }

  private call<R>(request: Parameters<KubeClient['request']>[0]): Promise<R> {
    return this.guard(request.method ?? 'GET', request.path, () => this.client.request<R>(request));
  }

  /** A 404 that names no object means the server does not serve this kind at all. */
  private async guard<R>(method: string, path: string, send: () => Promise<R>): Promise<R> {
    try {
      return await send();
    } catch (err) {
      if (isNotFound(err) && !err.status.details?.name) {
        throw new UnknownResourceError(method, path, err.status, this.kind);
      }
      throw err;
    }
  }

  private accept(list: boolean): string | undefined {
    if (!this.metadataOnly) return undefined;
    return list ? partialObjectMetadataList : partialObjectMetadata;
  }

  private path(name: string, namespace: string | undefined, verb: string): string {
    if (!name) throw new ClientError('INVALID_ARGUMENT', `${verb} ${this.kind.plural}: the object name is empty`);
    return resourcePath(this.kind, { namespace: this.requireNamespace(namespace, verb), name });
  }

  private collectionPath(namespace: string | undefined): string {
    return resourcePath(this.kind, { namespace: this.kind.namespaced ? namespace : undefined });
  }

  private namespaceOf(object: T, options: ObjectOptions, verb: string): string | undefined {
    return this.requireNamespace(object.metadata.namespace ?? options.namespace, verb);
  }

  private requireNamespace(namespace: string | undefined, verb: string): string | undefined {
    if (!this.kind.namespaced) return undefined;
    if (namespace) return namespace;
    if (this.client.namespace) return this.client.namespace;
    throw new ClientError(
      'INVALID_ARGUMENT',
      `${verb} ${this.kind.plural}: ${this.kind.kind} is namespaced; give a namespace (in metadata.namespace or options.namespace)`,
    );
  }

  private withTypeMeta(object: T): T {
    return { ...object, apiVersion: object.apiVersion ?? apiVersionOf(this.kind), kind: object.kind ?? this.kind.kind };
  }
}

function scopeQuery(scope: CollectionScope): Record<string, string | undefined> {
  const labelSelector = scope.labelSelector === undefined ? undefined : formatLabelSelector(scope.labelSelector);
  return { labelSelector: labelSelector || undefined, fieldSelector: scope.fieldSelector || undefined };
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager };
}
