/**
 * One rule of an RBAC Role or ClusterRole (`rbac.authorization.k8s.io/v1` PolicyRule).
 *
 * @example
 * ```ts
 * import type { PolicyRule } from 'capstan/core';
 * const readConfigMaps: PolicyRule = { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] };
 * ```
 */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
