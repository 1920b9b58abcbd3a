import type { KubeObject } from './kube-object.ts';
import type { ResourceDescriptor } from './resource.ts';

// A type-only marker: it never exists at run time, it only carries a kind's object type.
declare const objectType: unique symbol;

/**
 * A {@link ResourceDescriptor} that also names the TypeScript type of the kind's objects, so that
 * `client.resource(ConfigMap).get(...)` returns a `ConfigMap` without a cast. The type lives only in
 * the type system; at run time a `Kind` is the plain descriptor.
 *
 * @example
 * ```ts
 * import { defineKind, type KubeObject } from 'capstan/core';
 * interface HelloWorld extends KubeObject { spec: { name: string } }
 * const HelloWorld = defineKind<HelloWorld>({
 *   group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true,
 * });
 * console.log(HelloWorld.plural); // 'helloworlds'
 * ```
 */
export interface Kind<T extends KubeObject = KubeObject> extends ResourceDescriptor {
  /** Never set: carries `T` for type inference. */
  readonly [objectType]?: T;
}

/**
 * The object type a {@link Kind} describes, so that a kind declared as a value names its type too and the two
 * never drift apart; `never` for anything that is not a `Kind`.
 *
 * @example
 * ```ts
 * import Type from 'typebox';
 * import { customResource, type ObjectOf } from 'capstan';
 * const HelloWorld = customResource({
 *   group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', spec: Type.Object({ name: Type.String() }),
 * });
 * type HelloWorld = ObjectOf<typeof HelloWorld>;
 * const greeting = (hw: HelloWorld): string => `Hello, ${hw.spec.name}`;
 * ```
 */
export type ObjectOf<K> = K extends Kind<infer T> ? T : never;

/**
 * Describe a kind together with the type of its objects; the descriptor is copied and frozen. The type is a
 * promise, not checked against the server: for a CRD of your own, `customResource` of `capstan` derives both
 * from one schema; use this for a kind whose type you write by hand (another operator's CRD).
 *
 * @example
 * ```ts
 * import { defineKind, type KubeObject } from 'capstan/core';
 * interface Widget extends KubeObject { spec: { size: number } }
 * export const Widget = defineKind<Widget>({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
 * ```
 */
export function defineKind<T extends KubeObject>(descriptor: ResourceDescriptor): Kind<T> {
  return Object.freeze({ ...descriptor });
}
