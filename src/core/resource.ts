import { UsageError } from './errors.ts';
/**
 * What Capstan needs to know about a kind to reach it over the API: its group, version, kind, the plural
 * resource name used in URLs and RBAC rules, and whether it lives in a namespace. Plain data, so that
 * declarations, RBAC generation and requests share one description of a kind.
 *
 * @example
 * ```ts
 * import type { ResourceDescriptor } from 'capstan/core';
 * const ConfigMap: ResourceDescriptor = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
 * ```
 */
export interface ResourceDescriptor {
  /** The API group; `''` for the core group (ConfigMap, Secret, …). */
  readonly group: string;
  /** The API version within the group (`v1`, `v1alpha1`). */
  readonly version: string;
  /** The kind in CamelCase, as objects carry it in `kind` (`ConfigMap`, `HelloWorld`). */
  readonly kind: string;
  /** The lower-case plural used in URLs and RBAC rules (`configmaps`, `helloworlds`). */
  readonly plural: string;
  /** Whether objects live in a namespace (ConfigMap) or are cluster-scoped (Namespace, ClusterRole). */
  readonly namespaced: boolean;
}

/**
 * The `apiVersion` of a kind: `v1` for the core group, `<group>/<version>` otherwise.
 *
 * @example
 * ```ts
 * import { apiVersionOf } from 'capstan/core';
 * apiVersionOf({ group: 'apps.example.com', version: 'v1alpha1' });
 * // 'apps.example.com/v1alpha1'
 * ```
 */
export function apiVersionOf(resource: Pick<ResourceDescriptor, 'group' | 'version'>): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/**
 * Where in the API a request goes: a namespace (for namespaced kinds), an object name, a subresource.
 *
 * @noExample Options of {@link resourcePath}; its example shows them in use.
 */
export interface ResourcePathOptions {
  /** The namespace, for a namespaced kind; left out, the collection across all namespaces. */
  namespace?: string;
  /** The object's name; left out, the collection. */
  name?: string;
  /** `status`, `scale`, `finalizers`, …; needs `name`. */
  subresource?: string;
}

/**
 * The API path of a collection, an object or a subresource of it, with the namespace and name URL-encoded. A
 * namespaced kind without a namespace gives the all-namespaces collection; a cluster-scoped kind ignores
 * `namespace`.
 *
 * @throws {@link UsageError} `INVALID_ARGUMENT` for a `subresource` without a `name`.
 *
 * @example
 * ```ts
 * import { resourcePath } from 'capstan/core';
 * const ConfigMap = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
 * resourcePath(ConfigMap, { namespace: 'demo', name: 'hello' }); // '/api/v1/namespaces/demo/configmaps/hello'
 * ```
 */
export function resourcePath(resource: ResourceDescriptor, options: ResourcePathOptions = {}): string {
  const root = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const scope = resource.namespaced && options.namespace !== undefined ? `/namespaces/${encodeURIComponent(options.namespace)}` : '';
  let path = `${root}${scope}/${resource.plural}`;
  if (options.name !== undefined) path += `/${encodeURIComponent(options.name)}`;
  if (options.subresource !== undefined) {
    if (options.name === undefined)
      throw new UsageError(
        'INVALID_ARGUMENT',
        `resourcePath: subresource "${options.subresource}" of ${resource.plural} needs an object name`,
      );
    path += `/${options.subresource}`;
  }
  return path;
}
