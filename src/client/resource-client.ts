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

/** What every call takes: a signal to give up, and a timeout other than the client's. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Options of a call on one object; the namespace defaults to the object's own `metadata.namespace`. */
export interface ObjectOptions extends CallOptions {
  namespace?: string;
}

/** Where a list or watch looks: a namespace (all when omitted, for namespaced kinds) and selectors. */
export interface CollectionScope {
  namespace?: string;
  labelSelector?: LabelSelectorInput;
  /** The API string form, e.g. `metadata.name=hello`. */
  fieldSelector?: string;
}

/** Options of one list page. */
export interface ListOptions extends CallOptions, CollectionScope {
  /** Page size; the server may return fewer and a `continue` token. */
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

/** Options of a watch request. */
export interface WatchRequestOptions extends CallOptions, CollectionScope {
  /** Resume after this version; omit to start from now (with the server's choice of initial events). */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long (it picks a default of its own when omitted). */
  timeoutSeconds?: number;
  /**
   * A streaming list (KEP-3157): the watch begins with an `ADDED` event per object, then a bookmark annotated
   * `k8s.io/initial-events-end: "true"`. Needs `resourceVersionMatch: 'NotOlderThan'` and bookmarks allowed.
   */
  sendInitialEvents?: boolean;
  resourceVersionMatch?: 'NotOlderThan';
}

/** Options of a write. */
export interface WriteOptions extends ObjectOptions {
  /** Validate and admit, but persist nothing (`dryRun=All`). */
  dryRun?: boolean;
  /** The manager recorded in `managedFields`. */
  fieldManager?: string;
}

/** Options of a patch; `status: true` patches the status subresource. */
export interface PatchOptions extends WriteOptions {
  status?: boolean;
}

/** Options of a server-side apply; `force` takes fields over from other managers, and is never implied. */
export interface ApplyOptions extends PatchOptions {
  fieldManager: string;
  force?: boolean;
}

/** Options of a delete. */
export interface DeleteOptions extends ObjectOptions {
  dryRun?: boolean;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion (409 Conflict otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** A JSON merge patch (RFC 7386): fields set replace, `null` removes. */
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
