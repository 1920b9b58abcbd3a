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

/** The object type a {@link Kind} describes. */
export type ObjectOf<K> = K extends Kind<infer T> ? T : never;

/**
 * Describe a kind (built-in or custom) together with the type of its objects.
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
