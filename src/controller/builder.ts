import {
  type ControllerDeclaration,
  declareController,
  type Kind,
  type KubeObject,
  type WriteDeclaration,
  type WriteVerb,
} from '../core/index.ts';
import type { ReconcileContext } from './context.ts';
import type { Reconciler } from './controller.ts';
import type { ReconcileResult } from './result.ts';

/** An owned kind: its cache is scoped by `labelSelector` so the operator does not cache every object of the kind. */
export interface OwnedKind {
  kind: Kind;
  labelSelector?: string;
  writes?: readonly WriteVerb[];
}

/** A watched kind whose objects map to keys of the primary kind. */
export interface WatchedKind {
  kind: Kind;
  labelSelector?: string;
  map: (object: KubeObject) => readonly string[];
}

/**
 * Everything needed to run a controller, as data plus the reconcile function: `declaration` alone is enough
 * to generate RBAC (`capstan generate` imports the module and reads it; nothing starts).
 */
export interface ControllerDefinition<T extends KubeObject> {
  readonly declaration: ControllerDeclaration;
  readonly kind: Kind<T>;
  readonly owns: readonly OwnedKind[];
  readonly watches: readonly WatchedKind[];
  /**
   * The reconcile function. Declared as a method so that a definition of any kind is also an
   * {@link AnyControllerDefinition} (method parameters are compared bivariantly), which lets one list hold
   * controllers of different kinds without `any`.
   */
  reconcile(ctx: ReconcileContext<T>): Promise<ReconcileResult>;
  readonly maxConcurrentReconciles: number;
}

/**
 * A controller definition of any kind: the element type of a list of controllers (an operator's
 * `controllers`, what `capstan generate` reads). `Manager.add` runs each with its own kind's types.
 *
 * @example
 * ```ts
 * import { ConfigMap, Secret } from 'capstan/core';
 * import { type AnyControllerDefinition, controller, done } from 'capstan/controller';
 * export const controllers: AnyControllerDefinition[] = [
 *   controller(ConfigMap).reconcile(async () => done()),
 *   controller(Secret).reconcile(async () => done()),
 * ];
 * ```
 */
export type AnyControllerDefinition = ControllerDefinition<KubeObject>;

/** The builder {@link controller} returns; each call returns a new builder, so a partial one can be reused. */
export interface ControllerBuilder<T extends KubeObject> {
  /** The controller's name (its metrics and log label); default the kind in lower case. */
  named(name: string): ControllerBuilder<T>;
  /** Reconcile the owner when an object of `kind` it controls changes. */
  owns(kind: Kind, options?: { labelSelector?: string; writes?: readonly WriteVerb[] }): ControllerBuilder<T>;
  /** Reconcile the keys `map` returns when an object of `kind` changes (read only). */
  watches(kind: Kind, map: (object: KubeObject) => readonly string[], options?: { labelSelector?: string }): ControllerBuilder<T>;
  /** What the controller writes besides owned objects; default status and events. */
  writes(writes: Partial<WriteDeclaration>): ControllerBuilder<T>;
  /** Keys reconciled at once; default 1. */
  maxConcurrentReconciles(workers: number): ControllerBuilder<T>;
  reconcile(reconcile: Reconciler<T>): ControllerDefinition<T>;
}

interface BuilderState<T extends KubeObject> {
  kind: Kind<T>;
  name?: string;
  owns: OwnedKind[];
  watches: WatchedKind[];
  writes: Partial<WriteDeclaration>;
  workers: number;
}

function builder<T extends KubeObject>(state: BuilderState<T>): ControllerBuilder<T> {
  const next = (change: Partial<BuilderState<T>>) => builder({ ...state, ...change });
  return {
    named: (name) => next({ name }),
    owns: (kind, options = {}) => next({ owns: [...state.owns, { kind, ...options }] }),
    watches: (kind, map, options = {}) => next({ watches: [...state.watches, { kind, map, ...options }] }),
    writes: (writes) => next({ writes: { ...state.writes, ...writes } }),
    maxConcurrentReconciles: (workers) => next({ workers }),
    reconcile: (reconcile) =>
      Object.freeze({
        declaration: declareController({
          name: state.name ?? state.kind.kind.toLowerCase(),
          for: state.kind,
          owns: state.owns.map((o) => ({ resource: o.kind, labelSelector: o.labelSelector, writes: o.writes })),
          watches: state.watches.map((w) => ({ resource: w.kind, labelSelector: w.labelSelector })),
          writes: state.writes,
        }),
        kind: state.kind,
        owns: Object.freeze([...state.owns]),
        watches: Object.freeze([...state.watches]),
        reconcile,
        maxConcurrentReconciles: state.workers,
      }),
  };
}

/**
 * Start describing a controller for a kind, as controller-runtime's `ControllerManagedBy(mgr).For(...)`.
 * The result is plain data and a function; the manager runs it. Anything the builder does can be wired by
 * hand with `Controller`.
 *
 * @example
 * ```ts
 * import { ConfigMap, defineKind, type KubeObject } from 'capstan/core';
 * import { controller, done } from 'capstan/controller';
 * interface HelloWorld extends KubeObject { spec: { name: string } }
 * const HelloWorld = defineKind<HelloWorld>({ group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true });
 * export const helloWorld = controller(HelloWorld)
 *   .owns(ConfigMap, { labelSelector: 'app.kubernetes.io/managed-by=hello-world-operator' })
 *   .reconcile(async (ctx) => {
 *     if (!ctx.object) return done();
 *     await ctx.ensureChild(ConfigMap, {
 *       apiVersion: 'v1', kind: 'ConfigMap',
 *       metadata: { name: ctx.name, namespace: ctx.namespace },
 *       data: { message: ctx.object.spec.name },
 *     });
 *     return done();
 *   });
 * ```
 */
export function controller<T extends KubeObject>(kind: Kind<T>): ControllerBuilder<T> {
  return builder({ kind, owns: [], watches: [], writes: {}, workers: 1 });
}
