// The reads of the fake API server: one object, a list page (label and field selectors, limit and continue), and a
// watch (from a resourceVersion, from now with the current objects first, or a streaming list).
import { apiVersionOf, type Kind, type KubeObject, type ObjectList } from '../../core/index.ts';
import { type ApiCall, filterOf, isTrue, partialObjectMetadataVersion, presented, wantsMetadata } from './api-call.ts';
import type { ObjectStore, StoredEvent } from './object-store.ts';
import type { ResourceTarget } from './request-path.ts';
import { badRequest, expiredStatus, notFound, type Refused } from './statuses.ts';
import { WatchChannel } from './watch-channel.ts';

/** The annotation of the bookmark that ends a streaming list's initial events. */
const initialEventsEnd = 'k8s.io/initial-events-end';

/** A watch the server keeps open: what `sendBookmarks()` and `close()` reach. */
export interface OpenWatch {
  readonly channel: WatchChannel;
  readonly bookmarks: boolean;
  readonly kind: Kind;
  readonly metadataOnly: boolean;
}

/** Where open watches are kept, and whether the server still takes new ones. */
export interface WatchRegistry {
  readonly watches: Set<OpenWatch>;
  readonly closed: boolean;
}

/** The object `name` addresses, or 404 NotFound. */
export function existingObject(store: ObjectStore, call: Refused & { target: ResourceTarget }, name: string): KubeObject {
  const object = store.get(call.target.kind, call.target.namespace, name);
  if (!object) throw notFound(call, call.target.kind, name);
  return object;
}

/**
 * One page of a list. Pages after the first read the store as it is then (the API server reads the snapshot of the
 * first page's resourceVersion), from after the last key of the page before.
 */
export function listPage(store: ObjectStore, call: ApiCall): ObjectList<KubeObject> {
  const { kind, namespace } = call.target;
  const filter = filterOf(call);
  let resourceVersion = String(store.resourceVersion);
  let after: string | undefined;
  const token = call.query['continue'];
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv: string; after: string };
      resourceVersion = parsed.rv;
      after = parsed.after;
    } catch {
      throw badRequest(call, `continue key is not valid: ${token}`);
    }
  }
  const matching = store.list(kind, namespace).filter((entry) => (after === undefined || entry.key > after) && filter(entry.object));
  const limit = Number(call.query['limit'] ?? 0);
  const page = limit > 0 ? matching.slice(0, limit) : matching;
  const rest = matching.length - page.length;
  const metadata: ObjectList<KubeObject>['metadata'] = { resourceVersion };
  if (rest > 0) {
    metadata.continue = Buffer.from(JSON.stringify({ rv: resourceVersion, after: page.at(-1)!.key })).toString('base64url');
    if (!call.query['labelSelector'] && !call.query['fieldSelector']) metadata.remainingItemCount = rest;
  }
  const items = page.map((entry) => presented(call, entry.object));
  return wantsMetadata(call)
    ? { apiVersion: partialObjectMetadataVersion, kind: 'PartialObjectMetadataList', metadata, items }
    : { apiVersion: apiVersionOf(kind), kind: `${kind.kind}List`, metadata, items };
}

/** A BOOKMARK event's object: only the kind and the resourceVersion (and the annotations given). */
export function bookmarkObject(kind: Kind, resourceVersion: string, asMetadata: boolean, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: asMetadata ? partialObjectMetadataVersion : apiVersionOf(kind),
    kind: asMetadata ? 'PartialObjectMetadata' : kind.kind,
    metadata: { resourceVersion, ...(annotations ? { annotations } : {}) },
  };
}

/**
 * A watch's body: from `resourceVersion` (the changes after it, or an ERROR with 410 Expired when they are no longer
 * kept), or, without one, `0` or with `sendInitialEvents`, an ADDED per current object first (then, for the
 * streaming list, the annotated BOOKMARK); then every change as it is stored, seen through the selectors: an object
 * that starts matching is ADDED, one that stops matching DELETED.
 */
export function openWatch(store: ObjectStore, server: WatchRegistry, call: ApiCall, signal: AbortSignal): AsyncIterable<Uint8Array> {
  const { kind, namespace } = call.target;
  const filter = filterOf(call);
  const asMetadata = wantsMetadata(call);
  const bookmarks = isTrue(call.query['allowWatchBookmarks']);
  const initialEvents = isTrue(call.query['sendInitialEvents']);
  const resourceVersion = call.query['resourceVersion'] ?? '';
  if (initialEvents && (call.query['resourceVersionMatch'] !== 'NotOlderThan' || !bookmarks)) {
    throw badRequest(call, 'sendInitialEvents needs resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true');
  }
  let from: number | undefined;
  if (!initialEvents && resourceVersion !== '' && resourceVersion !== '0') {
    from = Number(resourceVersion);
    if (!Number.isSafeInteger(from)) throw badRequest(call, `invalid resource version: ${resourceVersion}`);
  }
  const timeout = Number(call.query['timeoutSeconds'] ?? 0);
  const channel = new WatchChannel(signal, timeout > 0 ? timeout * 1000 : undefined);
  const show = (object: KubeObject) => presented(call, object);
  const relay = (event: StoredEvent) => {
    if (
      event.kind.group !== kind.group ||
      event.kind.plural !== kind.plural ||
      (namespace !== undefined && event.object.metadata.namespace !== namespace)
    )
      return;
    const now = filter(event.object);
    const was = event.type === 'MODIFIED' && event.previous !== undefined && filter(event.previous);
    if (event.type === 'MODIFIED') {
      if (now) channel.send({ type: was ? 'MODIFIED' : 'ADDED', object: show(event.object) });
      else if (was) channel.send({ type: 'DELETED', object: show(event.object) });
    } else if (now) channel.send({ type: event.type, object: show(event.object) });
  };

  if (server.closed) channel.end();
  else if (from === undefined) {
    for (const { object } of store.list(kind, namespace)) if (filter(object)) channel.send({ type: 'ADDED', object: show(object) });
    if (initialEvents)
      channel.send({
        type: 'BOOKMARK',
        object: bookmarkObject(kind, String(store.resourceVersion), asMetadata, { [initialEventsEnd]: 'true' }),
      });
  } else {
    const changes = store.changesAfter(from);
    if (changes === 'expired') {
      channel.send({ type: 'ERROR', object: expiredStatus(resourceVersion, String(store.oldestWatchable)) });
      channel.end();
    } else for (const change of changes) relay(change);
  }
  if (!channel.isEnded) {
    const open: OpenWatch = { channel, bookmarks, kind, metadataOnly: asMetadata };
    server.watches.add(open);
    const unsubscribe = store.subscribe(relay);
    channel.onEnd(() => {
      unsubscribe();
      server.watches.delete(open);
    });
  }
  return channel.body();
}
