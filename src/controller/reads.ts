// What a reconcile (or a `.watches` map function) may read besides its own object: the kinds the controller
// declared (`.reads`, `.owns`, `.watches`, and its own kind), from the manager's shared caches, or live for a
// kind declared `{ live: true }`. A read the declarations do not cover is refused with the builder call that
// would cover it: a cache never answers with a silent subset of what was asked.
import type { ObjectCache } from '../cache/index.ts';
import type { ResourceClient } from '../client/index.ts';
import {
  CapstanError,
  type Kind,
  type KubeObject,
  type LabelSelector,
  type LabelSelectorInput,
  formatLabelSelector,
  matchesLabelSelector,
  parseLabelSelector,
} from '../core/index.ts';
import { getIfExists } from './child.ts';

/**
 * Where a cache looks: every namespace or one, and the label and field selectors the server applies.
 *
 * @noExample Part of a {@link ReadSource}; the manager fills it in from the builder's declarations.
 */
export interface ReadScope {
  /** The one namespace the cache holds; undefined: every namespace. */
  namespace?: string | undefined;
  /** The cache's label selector (API string form); reads must ask for these labels, or narrower. */
  labelSelector?: string | undefined;
  /** The cache's field selector (API string form); a cache with one answers no reads (it cannot vouch for absence). */
  fieldSelector?: string | undefined;
}

/**
 * One declared way to read a kind: a cache of a scope, or (`live`) a GET to the server.
 *
 * @noExample An element of `ControllerOptions.reads`; the manager builds them from `.reads`, `.owns` and `.watches`.
 */
export interface ReadSource {
  /** The kind this source reads. */
  kind: Kind;
  /** What the cache holds, or where live reads may go. */
  scope: ReadScope;
  /** The builder call that declared it, for messages (`.owns(ConfigMap, { labelSelector: '…' })`). */
  declaredBy: string;
  /** The cache; absent for a live read. */
  cache?: ObjectCache<KubeObject> | undefined;
  /** The index names the cache has, besides `namespace`. */
  indexes?: readonly string[];
}

/**
 * Options of a cached `get` (`ctx.get`, and `get` of a `.watches` map function's {@link CacheReads}).
 *
 * @noExample Options of {@link ReconcileContext.get}; {@link CacheReads}' example shows them in use.
 */
export interface CachedGetOptions {
  /** Default: the reconciled object's namespace, for a namespaced kind. */
  namespace?: string;
  /**
   * The labels the object is expected to carry, where the only cache of the kind holds a labelled subset: an
   * object outside it reads as absent. Without it such a read is refused, because "absent" could be wrong.
   */
  labelSelector?: LabelSelectorInput;
}

/**
 * Options of a cached `list` (`ctx.list`, and `list` of a `.watches` map function's {@link CacheReads}).
 *
 * @noExample Options of {@link ReconcileContext.list}; {@link CacheReads}' example shows them in use.
 */
export interface CachedListOptions {
  /** One namespace; default every namespace the cache holds. */
  namespace?: string;
  /** Only objects with these labels; must include the labels of a labelled cache (its selector, or narrower). */
  labelSelector?: LabelSelectorInput;
  /** Objects filed under `value` by the field index `name` (declared with `.index(Kind, name, fn)`). */
  index?: {
    /** The index's name, as declared with `.index`. */
    name: string;
    /** The value the objects are filed under. */
    value: string;
  };
}

/**
 * A read the controller's declarations do not cover: `UNDECLARED_READ` (no declaration of the kind),
 * `OUTSIDE_CACHE_SCOPE` (the kind's caches do not hold what was asked), `UNDECLARED_INDEX`, or `LIVE_READ_ONLY_GET`
 * (a kind declared live can only be got by name). The message names the builder call that would cover it.
 *
 * @example
 * ```ts
 * import { ReadError } from 'capstan/controller';
 * export function isUndeclaredRead(err: unknown): boolean {
 *   return err instanceof ReadError && err.code === 'UNDECLARED_READ';
 * }
 * ```
 */
export class ReadError extends CapstanError<'UNDECLARED_READ' | 'OUTSIDE_CACHE_SCOPE' | 'UNDECLARED_INDEX' | 'LIVE_READ_ONLY_GET'> {}

/**
 * What a `.watches` map function may read: the controller's declared reads, by default in the changed object's
 * namespace. The rules of `ctx.get` and `ctx.list` apply: a read outside the declarations is a {@link ReadError}.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done, objectKey, Secret } from 'capstan';
 * // Reconcile every ConfigMap that names a changed Secret in its `secret` key.
 * export const configMaps = controller(ConfigMap)
 *   .index(ConfigMap, 'secret', (cm) => (cm.data?.['secret'] ? [cm.data['secret']] : []))
 *   .watches(Secret, async (secret, reads) => {
 *     const users = await reads.list(ConfigMap, { namespace: secret.metadata.namespace, index: { name: 'secret', value: secret.metadata.name! } });
 *     return users.map((cm) => objectKey(cm));
 *   })
 *   .reconcile(async () => done());
 * ```
 */
export interface CacheReads {
  /** The object `name` of `kind` (in the changed object's namespace unless `options.namespace`); undefined when absent. */
  get<T extends KubeObject>(kind: Kind<T>, name: string, options?: CachedGetOptions): Promise<T | undefined>;
  /** The objects of `kind` that match, every one within the declared scope, never a silent subset. */
  list<T extends KubeObject>(kind: Kind<T>, options?: CachedListOptions): Promise<T[]>;
}

/**
 * The reads a controller or a webhook declared (`.reads`, `.owns`, `.watches`), over the manager's shared caches:
 * `for(namespace)` is one handler's view, where `get` defaults to that namespace.
 *
 * @noExample The manager builds them from the declarations; a webhook's handler receives `for(namespace)` as
 * `request.reads`, a reconcile as `ctx.get`/`ctx.list` (see {@link CacheReads}).
 */
export interface DeclaredReads {
  /** These reads, with `namespace` as the default namespace of `get`. */
  for(namespace: string | undefined): CacheReads;
}

/** The reads of one controller, over its declared sources. */
export class Reads implements DeclaredReads {
  private readonly controller: string;
  private readonly sources: readonly ReadSource[];
  private readonly live: (kind: Kind) => ResourceClient<KubeObject>;

  /** `live` gives the client of a kind, for the reads declared live. */
  constructor(controller: string, sources: readonly ReadSource[], live: (kind: Kind) => ResourceClient<KubeObject>) {
    this.controller = controller;
    this.sources = sources;
    this.live = live;
  }

  /** These reads, with `namespace` as the default namespace of `get`. */
  for(namespace: string | undefined): CacheReads {
    return {
      get: (kind, name, options = {}) => this.get(kind, name, { ...options, defaultNamespace: namespace }),
      list: (kind, options) => this.list(kind, options),
    };
  }

  /** The object `name` of `kind`; `undefined` when it does not exist (within the declared scope). */
  async get<T extends KubeObject>(
    kind: Kind<T>,
    name: string,
    options: CachedGetOptions & { defaultNamespace?: string | undefined; signal?: AbortSignal } = {},
  ): Promise<T | undefined> {
    const namespace = kind.namespaced ? (options.namespace ?? options.defaultNamespace) : undefined;
    const sources = this.declared(kind, 'get');
    const live = sources.find((s) => s.cache === undefined && covers(s.scope, namespace, undefined));
    if (live) {
      return (await getIfExists(this.live(kind), name, { namespace, signal: options.signal })) as T | undefined;
    }
    const wanted = options.labelSelector === undefined ? undefined : parseLabelSelector(options.labelSelector);
    const cache = sources.find((s) => s.cache !== undefined && covers(s.scope, namespace, wanted))?.cache;
    if (!cache) throw this.outside(kind, sources, 'get', namespace, wanted);
    const object = cache.get(namespace ? `${namespace}/${name}` : name) as T | undefined;
    // Asked with labels (the cache's own, or narrower): an object without them is not what was asked for.
    return object && wanted && !matches(object, wanted) ? undefined : object;
  }

  /** The objects of `kind` that match; every one within the declared scope, never a silent subset. */
  async list<T extends KubeObject>(kind: Kind<T>, options: CachedListOptions = {}): Promise<T[]> {
    const sources = this.declared(kind, 'list');
    const cached = sources.filter((s) => s.cache !== undefined);
    if (cached.length === 0) {
      throw new ReadError(
        'LIVE_READ_ONLY_GET',
        `ctx.list(${kind.kind}): controller ${this.controller} reads ${kind.kind} live (${sources.map((s) => s.declaredBy).join(', ')}), ` +
          `which allows get by name only (its RBAC grants get); to list, declare a cached read: .reads(${kind.kind}, { namespace, labelSelector })`,
      );
    }
    const namespace = kind.namespaced ? options.namespace : undefined;
    const wanted = options.labelSelector === undefined ? undefined : parseLabelSelector(options.labelSelector);
    // One cache that holds all that is asked; or, for every namespace, the union of per-namespace caches.
    const whole = cached.find((s) => covers(s.scope, namespace, wanted));
    const parts = whole
      ? [whole]
      : namespace === undefined
        ? cached.filter((s) => s.scope.namespace !== undefined && covers(s.scope, s.scope.namespace, wanted))
        : [];
    if (parts.length === 0) throw this.outside(kind, sources, 'list', namespace, wanted);
    const found: T[] = [];
    for (const source of parts) {
      const cache = source.cache!;
      let objects: KubeObject[];
      if (options.index) {
        if (!(source.indexes ?? []).includes(options.index.name)) {
          throw new ReadError(
            'UNDECLARED_INDEX',
            `ctx.list(${kind.kind}, { index: '${options.index.name}' }): controller ${this.controller} declares no index "${options.index.name}" ` +
              `on ${kind.kind}: add .index(${kind.kind}, '${options.index.name}', (object) => [...values])`,
          );
        }
        objects = cache.byIndex(options.index.name, options.index.value);
        if (namespace !== undefined) objects = objects.filter((o) => o.metadata.namespace === namespace);
        if (wanted) objects = objects.filter((o) => matches(o, wanted));
      } else {
        objects = cache.list({ ...(namespace === undefined ? {} : { namespace }), ...(wanted ? { labelSelector: wanted } : {}) });
      }
      found.push(...(objects as T[]));
    }
    return found;
  }

  private declared(kind: Kind, verb: 'get' | 'list'): ReadSource[] {
    const sources = this.sources.filter((s) => s.kind.group === kind.group && s.kind.kind === kind.kind);
    if (sources.length === 0) {
      throw new ReadError(
        'UNDECLARED_READ',
        `ctx.${verb}(${kind.kind}): controller ${this.controller} does not declare reading ${kind.kind}` +
          `${kind.group ? ` (${kind.group})` : ''}: add .reads(${kind.kind}) to its builder (or .reads(${kind.kind}, { live: true }) ` +
          'to get single objects without caching the kind), so that it is cached and its RBAC generated',
      );
    }
    return sources;
  }

  private outside(
    kind: Kind,
    sources: readonly ReadSource[],
    verb: 'get' | 'list',
    namespace: string | undefined,
    wanted: LabelSelector | undefined,
  ) {
    const asked = [
      namespace ? `namespace ${namespace}` : 'every namespace',
      wanted ? `labels ${formatLabelSelector(wanted)}` : 'any labels',
    ].join(', ');
    const held = sources.map((s) => `${s.declaredBy} holds ${describeScope(s.scope)}`).join('; ');
    return new ReadError(
      'OUTSIDE_CACHE_SCOPE',
      `ctx.${verb}(${kind.kind}) in ${asked}: outside what controller ${this.controller} caches (${held}). ` +
        `Ask within that scope (the cache's labels in the options), or declare .reads(${kind.kind}${namespace ? `, { namespace: '${namespace}' }` : ''}) for the rest`,
    );
  }
}

function describeScope(scope: ReadScope): string {
  const parts = [scope.namespace ? `namespace ${scope.namespace}` : 'every namespace'];
  if (scope.labelSelector) parts.push(`labels ${scope.labelSelector}`);
  if (scope.fieldSelector) parts.push(`fields ${scope.fieldSelector}`);
  return parts.join(', ');
}

/**
 * Whether a cache of `scope` holds every object in `namespace` (every namespace when undefined) that matches
 * `wanted`: its namespace covers the one asked, its label selector's requirements are all among the asked ones
 * (asking for the cache's labels, or narrower, is fine), and it has no field selector (it would drop objects no
 * label can predict).
 */
function covers(scope: ReadScope, namespace: string | undefined, wanted: LabelSelector | undefined): boolean {
  if (scope.namespace !== undefined && scope.namespace !== namespace) return false;
  if (scope.fieldSelector) return false;
  if (!scope.labelSelector) return true;
  if (!wanted) return false;
  const asked = new Set(requirements(wanted));
  return scopeRequirements(scope, scope.labelSelector).every((r) => asked.has(r));
}

/** A scope's label requirements, parsed once per scope (reads run in every reconcile; scopes never change). */
const parsedScopes = new WeakMap<ReadScope, string[]>();
function scopeRequirements(scope: ReadScope, labelSelector: string): string[] {
  let parsed = parsedScopes.get(scope);
  if (!parsed) parsedScopes.set(scope, (parsed = requirements(parseLabelSelector(labelSelector))));
  return parsed;
}

/** A selector's requirements, each in one normal string form. */
function requirements(selector: LabelSelector): string[] {
  return formatLabelSelector(selector)
    .split(/,(?![^(]*\))/)
    .filter(Boolean);
}

function matches(object: KubeObject, selector: LabelSelector): boolean {
  return matchesLabelSelector(object.metadata.labels, selector);
}
