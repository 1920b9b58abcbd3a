/**
 * One rule of an RBAC Role or ClusterRole (`rbac.authorization.k8s.io/v1` PolicyRule): it grants `verbs` on
 * `resources` of `apiGroups`, every combination of the three. Controllers add their own in
 * {@link ControllerDeclarationInput.rules}, where wildcards are refused.
 *
 * @example
 * ```ts
 * import type { PolicyRule } from 'capstan/core';
 * const readConfigMaps: PolicyRule = { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] };
 * ```
 */
export interface PolicyRule {
  /** The API groups of `resources`; `''` is the core group (ConfigMaps, Secrets, Pods). */
  apiGroups: string[];
  /** Plural resource names (`configmaps`), or `<resource>/<subresource>` for a subresource (`deployments/scale`). */
  resources: string[];
  /** The verbs granted: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, … */
  verbs: string[];
  /** Only the objects of these names; left out, every name. `create` cannot be limited by name (the object has none yet). */
  resourceNames?: string[];
}
