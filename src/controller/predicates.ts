// Predicates: which changes of a cache are worth a reconcile (controller-runtime's `predicate` package). A
// predicate sees the cache's own change (`StoreChange`): `added` and `deleted` carry the object, `updated` also the
// previous one. Predicates filter events only: a reconcile still reads the current object, so a filtered change is
// picked up by the next one that passes.
import type { StoreChange } from '../cache/index.ts';
import type { KubeObject } from '../core/index.ts';

/**
 * Whether a change should enqueue a reconcile. It sees the cache's change (`added`, `updated` with the
 * previous object, `deleted`) and must be pure and fast: it runs for every change of the cache.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done } from 'capstan';
 * import type { Predicate } from 'capstan/controller';
 * const paused: Predicate<ConfigMap> = (change) => change.object.metadata.annotations?.['example.com/paused'] !== 'true';
 * export const unpaused = controller(ConfigMap).predicates(paused).reconcile(async () => done());
 * ```
 */
export type Predicate<T extends KubeObject = KubeObject> = (change: StoreChange<T>) => boolean;

/**
 * Updates pass only when `metadata.generation` changed, i.e. the spec did (status-only and metadata-only updates do
 * not); additions and deletions always pass. For a kind without generations (ConfigMaps), every update passes.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { controller, done, generationChanged } from 'capstan/controller';
 * export const specOnly = controller(ConfigMap).predicates(generationChanged).reconcile(async () => done());
 * ```
 */
export const generationChanged: Predicate = (change) =>
  change.type !== 'updated' ||
  change.object.metadata.generation === undefined ||
  change.object.metadata.generation !== change.previous.metadata.generation;

/**
 * Updates pass only when the labels changed; additions and deletions always pass.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { controller, done, labelsChanged } from 'capstan/controller';
 * export const relabelled = controller(ConfigMap).predicates(labelsChanged).reconcile(async () => done());
 * ```
 */
export const labelsChanged: Predicate = (change) =>
  change.type !== 'updated' || !sameRecord(change.object.metadata.labels, change.previous.metadata.labels);

/**
 * Updates pass only when the annotations changed; additions and deletions always pass.
 *
 * @example
 * ```ts
 * import { annotationsChanged, not } from 'capstan/controller';
 * const ignoreAnnotationEdits = not(annotationsChanged);
 * console.log(typeof ignoreAnnotationEdits); // 'function'
 * ```
 */
export const annotationsChanged: Predicate = (change) =>
  change.type !== 'updated' || !sameRecord(change.object.metadata.annotations, change.previous.metadata.annotations);

/**
 * A change passes when every predicate passes it.
 *
 * @example
 * ```ts
 * import { and, generationChanged, type Predicate } from 'capstan/controller';
 * const notDeleting: Predicate = (change) => change.object.metadata.deletionTimestamp === undefined;
 * const specChangesOfLiveObjects = and(generationChanged, notDeleting);
 * console.log(typeof specChangesOfLiveObjects); // 'function'
 * ```
 */
export function and<T extends KubeObject>(...predicates: ReadonlyArray<Predicate<T>>): Predicate<T> {
  return (change) => predicates.every((p) => p(change));
}

/**
 * A change passes when any predicate passes it.
 *
 * @example
 * ```ts
 * import { generationChanged, labelsChanged, or } from 'capstan/controller';
 * const specOrLabels = or(generationChanged, labelsChanged);
 * console.log(typeof specOrLabels); // 'function'
 * ```
 */
export function or<T extends KubeObject>(...predicates: ReadonlyArray<Predicate<T>>): Predicate<T> {
  return (change) => predicates.some((p) => p(change));
}

/**
 * A change passes when the predicate does not pass it.
 *
 * @example
 * ```ts
 * import { labelsChanged, not } from 'capstan/controller';
 * const labelsUnchanged = not(labelsChanged);
 * console.log(typeof labelsUnchanged); // 'function'
 * ```
 */
export function not<T extends KubeObject>(predicate: Predicate<T>): Predicate<T> {
  return (change) => !predicate(change);
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const left = Object.entries(a ?? {});
  const right = b ?? {};
  return left.length === Object.keys(right).length && left.every(([k, v]) => right[k] === v);
}
