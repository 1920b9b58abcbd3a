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

/**
 * A ConfigMap (`v1`): string and binary data.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan/core';
 * const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hello' }, data: { message: 'hi' } };
 * console.log(ConfigMap.plural, cm.data?.['message']); // 'configmaps' 'hi'
 * ```
 */
export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}
export const ConfigMap = defineKind<ConfigMap>({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true });

/**
 * A Secret (`v1`); `data` values are base64.
 *
 * @example
 * ```ts
 * import { Secret } from 'capstan/core';
 * const s: Secret = { metadata: { name: 'creds' }, type: 'Opaque', stringData: { password: 'x' } };
 * console.log(Secret.kind, s.type);
 * ```
 */
export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
}
export const Secret = defineKind<Secret>({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true });

/**
 * A Namespace (`v1`, cluster-scoped).
 *
 * @example
 * ```ts
 * import { Namespace } from 'capstan/core';
 * const ns: Namespace = { metadata: { name: 'demo' } };
 * console.log(Namespace.namespaced, ns.metadata.name); // false 'demo'
 * ```
 */
export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: 'Active' | 'Terminating' };
}
export const Namespace = defineKind<Namespace>({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false });

/**
 * A ServiceAccount (`v1`).
 *
 * @example
 * ```ts
 * import { ServiceAccount } from 'capstan/core';
 * const sa: ServiceAccount = { metadata: { name: 'operator', namespace: 'ops' } };
 * console.log(ServiceAccount.plural, sa.metadata.name);
 * ```
 */
export interface ServiceAccount extends KubeObject {
  secrets?: Array<{ name?: string }>;
  automountServiceAccountToken?: boolean;
}
export const ServiceAccount = defineKind<ServiceAccount>({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  namespaced: true,
});
