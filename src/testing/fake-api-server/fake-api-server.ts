// An in-memory API server for unit tests of reconcilers: a KubeTransport that answers a KubeClient's requests
// from an ObjectStore with kube-apiserver's semantics (see fakeApiServer's documentation for what differs).
import { KubeClient, type KubeClientOptions, type KubeTransport, type RequestOptions, type StreamResponse } from '../../client/index.ts';
import type { Kind, KubeObject } from '../../core/index.ts';
import { type ApiCall, isTrue, presented, queryOf } from './api-call.ts';
import type { WriteScope } from './managed-fields.ts';
import { ObjectStore } from './object-store.ts';
import { bookmarkObject, existingObject, listPage, type OpenWatch, openWatch } from './reads.ts';
import { ServedKinds } from './request-path.ts';
import { methodNotAllowed, type Refused, unknownResource } from './statuses.ts';
import { defaultFieldManager, ObjectWriter } from './writes.ts';

/**
 * Options of {@link fakeApiServer}.
 *
 * @noExample Options of {@link fakeApiServer}; its example passes them.
 */
export interface FakeApiServerOptions {
  /** The kinds it serves (built-in and custom); a request for any other resource gets a 404 without details. */
  kinds: readonly Kind[];
  /** How many changes a watch can be resumed across (1000 by default); older resourceVersions get 410 Expired. */
  historyLimit?: number;
  /** The clock of timestamps (`creationTimestamp`, `deletionTimestamp`, managedFields `time`); `Date` by default. */
  now?: () => Date;
}

/**
 * Options of {@link FakeApiServer.client}: those of `KubeClient.over`, and the field manager of writes that name none.
 *
 * @noExample Options of {@link FakeApiServer.client}; the example of {@link fakeApiServer} makes a client.
 */
export interface FakeClientOptions extends Omit<KubeClientOptions, 'kubeconfigPath' | 'context' | 'server'> {
  /** The namespace of the client, as a kubeconfig context's. */
  namespace?: string;
  /**
   * The field manager of this client's writes that name none, as the API server derives it from the user agent
   * (`capstan` for Capstan's default user agent); `capstan` by default.
   */
  fieldManager?: string;
}

/**
 * An in-memory API server (see {@link fakeApiServer}): a {@link KubeTransport} for clients, and direct reads for
 * assertions.
 *
 * @noExample Made by {@link fakeApiServer}, whose example shows it in use.
 */
export interface FakeApiServer extends KubeTransport {
  /** A client over this server, as `KubeClient.over(server, options)` with a default field manager. */
  client(options?: FakeClientOptions): KubeClient;
  /** The stored object, without a request (no hooks, no metrics); undefined when there is none. */
  object<T extends KubeObject>(kind: Kind<T>, name: string, namespace?: string): T | undefined;
  /** The stored objects of `kind` (in `namespace`, or all), in list order. */
  objects<T extends KubeObject>(kind: Kind<T>, namespace?: string): T[];
  /** The latest resourceVersion (a decimal string that grows with every write). */
  readonly resourceVersion: string;
  /** Forget the watch history, as an etcd compaction: a watch from an older resourceVersion gets 410 Expired. */
  compact(): void;
  /** Send a BOOKMARK at the latest resourceVersion to every watch that allowed them (the real server does every minute or so). */
  sendBookmarks(): void;
  /** End every open watch (their bodies finish); requests keep working, and later watches end at once. */
  close(): void;
}

/**
 * An in-memory API server for unit tests that need no control plane: a {@link KubeTransport} whose
 * {@link FakeApiServer.client}s (and `KubeClient.over(server)`) run everything above the client unchanged —
 * resource clients, watches, caches, controllers. It keeps kube-apiserver's semantics where a reconcile relies on
 * them, and the contract suite (`fakeApiServerContract`) runs the same cases against it and a real control plane:
 *
 * - one resourceVersion counter for every write; `uid`, `creationTimestamp`, `generateName`; `metadata.generation`
 *   1 on create, +1 when anything but metadata and status changes; `status` written only through `/status` (every
 *   kind has the subresource), kept by main-resource writes and dropped on create; a stale `resourceVersion`
 *   precondition is 409 Conflict, a taken name 409 AlreadyExists, a missing object 404 NotFound; `dryRun=All` stores
 *   nothing; a write that changes nothing changes no resourceVersion.
 * - delete: finalizers hold the object with `deletionTimestamp` until a write removes the last one (no new finalizer
 *   may be added meanwhile: 422). Garbage collection runs synchronously inside the request that removes an owner:
 *   dependents whose every owner is gone are deleted (Background and Foreground alike), dependents with another
 *   owner lose the dangling reference; `propagationPolicy: 'Orphan'` removes the owner's reference from its
 *   dependents at once.
 * - patches: JSON merge patch, JSON patch (a failed `test` is 422), server-side apply with managedFields
 *   (`Apply`/`Update` entries, `fieldsV1`), removal of fields a manager stops applying, 409 `FieldManagerConflict`
 *   causes unless `force`, and shared ownership of equal values. Without a schema, list shapes come from field
 *   names: `conditions` (key `type`), `ownerReferences` (`uid`), `containers`, `initContainers`, `env`, `volumes`,
 *   `imagePullSecrets` (`name`), `volumeMounts` (`mountPath`), `ports` (`containerPort`/`port` and `protocol`) are
 *   keyed, `finalizers` is a set, every other list is atomic. A write that names no field manager is `capstan`'s
 *   (what the API server derives from Capstan's default user agent), or the client's `fieldManager`.
 * - list: label selectors, `metadata.name`/`metadata.namespace` field selectors, `limit`/`continue` (pages read the
 *   current state, not a snapshot), PartialObjectMetadata(List) for metadata-only clients.
 * - watch: from a resourceVersion (replayed from the last `historyLimit` changes; older is an ERROR event with a 410
 *   Expired Status), without one or with `0` an ADDED per object first, the streaming list (`sendInitialEvents`)
 *   ending its initial events with the annotated BOOKMARK; an object that stops matching a selector is a DELETED.
 *
 * Not served: other subresources, strategic merge patch (415), deletecollection, namespace existence and
 * termination, admission, validation against a schema, defaulting.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { test } from 'node:test';
 * import { ConfigMap } from 'capstan';
 * import { fakeApiServer } from 'capstan/testing';
 *
 * test('a ConfigMap is written and read back', async () => {
 *   const server = fakeApiServer({ kinds: [ConfigMap] });
 *   const client = server.client({ namespace: 'demo' });
 *   await client.resource(ConfigMap).apply(
 *     { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hello' }, data: { message: 'hi' } },
 *     { fieldManager: 'my-operator' },
 *   );
 *   assert.equal(server.object(ConfigMap, 'hello', 'demo')?.data?.['message'], 'hi');
 *   server.close();
 * });
 * ```
 */
export function fakeApiServer(options: FakeApiServerOptions): FakeApiServer {
  return new InMemoryApiServer(options);
}

class InMemoryApiServer implements FakeApiServer {
  readonly watches = new Set<OpenWatch>();
  closed = false;
  private readonly kinds: ServedKinds;
  private readonly store: ObjectStore;
  private readonly writer: ObjectWriter;

  constructor(options: FakeApiServerOptions) {
    this.kinds = new ServedKinds(options.kinds);
    this.store = new ObjectStore(options.historyLimit ?? 1000);
    this.writer = new ObjectWriter(this.store, this.kinds, options.now ?? (() => new Date()));
  }

  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  client(options: FakeClientOptions = {}): KubeClient {
    const { fieldManager = defaultFieldManager, ...clientOptions } = options;
    const withManager = (request: RequestOptions): RequestOptions =>
      request.method === 'GET' || request.method === undefined
        ? request
        : { ...request, query: { ...request.query, fieldManager: request.query?.['fieldManager'] ?? fieldManager } };
    const transport: KubeTransport = {
      request: (request, signal) => this.request(withManager(request), signal),
      stream: (request, signal) => this.stream(request, signal),
    };
    return KubeClient.over(transport, clientOptions);
  }

  object<T extends KubeObject>(kind: Kind<T>, name: string, namespace?: string): T | undefined {
    return this.store.get(kind, kind.namespaced ? namespace : undefined, name) as T | undefined;
  }

  objects<T extends KubeObject>(kind: Kind<T>, namespace?: string): T[] {
    return this.store.list(kind, kind.namespaced ? namespace : undefined).map((entry) => entry.object as T);
  }

  compact(): void {
    this.store.compact();
  }

  sendBookmarks(): void {
    for (const watch of this.watches) {
      if (watch.bookmarks)
        watch.channel.send({ type: 'BOOKMARK', object: bookmarkObject(watch.kind, this.resourceVersion, watch.metadataOnly) });
    }
  }

  close(): void {
    this.closed = true;
    for (const watch of [...this.watches]) watch.channel.end();
  }

  async request(options: RequestOptions, signal: AbortSignal): Promise<unknown> {
    signal.throwIfAborted();
    await Promise.resolve(); // answer asynchronously, as a server would
    const call = this.callOf(options);
    const { target } = call;
    if (target.subresource !== undefined && target.subresource !== 'status') throw unknownResource(call);
    const scope: WriteScope = target.subresource === 'status' ? 'status' : 'main';
    switch (call.method) {
      case 'GET':
        if (target.name === undefined) return listPage(this.store, call);
        return presented(call, existingObject(this.store, call, target.name));
      case 'POST':
        if (target.name !== undefined) throw methodNotAllowed(call);
        return this.writer.create(call, options.body);
      case 'PUT':
        if (target.name === undefined) throw methodNotAllowed(call);
        return this.writer.update(call, target.name, options.body, scope);
      case 'PATCH':
        if (target.name === undefined) throw methodNotAllowed(call);
        return this.writer.patch(call, target.name, options.body, options.contentType ?? 'application/json', scope);
      case 'DELETE':
        if (target.name === undefined || scope === 'status') throw methodNotAllowed(call);
        return this.writer.delete(call, target.name, options.body);
      default:
        throw methodNotAllowed(call);
    }
  }

  async stream(options: RequestOptions, signal: AbortSignal): Promise<StreamResponse> {
    signal.throwIfAborted();
    await Promise.resolve();
    const call = this.callOf(options);
    if (call.method !== 'GET' || call.target.name !== undefined || !isTrue(call.query['watch'])) throw methodNotAllowed(call);
    return { statusCode: 200, body: openWatch(this.store, this, call, signal) };
  }

  private callOf(options: RequestOptions): ApiCall {
    const refused: Refused = { method: options.method ?? 'GET', path: options.path };
    const target = this.kinds.resolve(options.path);
    if (!target) throw unknownResource(refused);
    return { ...refused, target, query: queryOf(options), accept: options.accept };
  }
}
