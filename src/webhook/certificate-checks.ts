// What the manager's own webhook certificates need from the cluster: the check that the API server trusts a new
// serving certificate (a dry run through the webhook), and the RBAC rules of everything a CertificateManager does.
import type { KubeClient } from '../client/index.ts';
import { isApiError } from '../client/index.ts';
import {
  apiVersionOf,
  type Kind,
  type KubeObject,
  type PolicyRule,
  type ResourceDescriptor,
  webhookCertificateSecretName,
} from '../core/index.ts';

/**
 * A verification for {@link CertificateManagerOptions.verify}: a server-side dry-run create of an empty object of
 * `kind` (one of the operator's webhooks', with CREATE among its operations), named `capstan-certificate-check`.
 * It fails when the API server answers with a 5xx status (500 `failed calling webhook`: it did not trust the
 * certificate) or does not answer (unreachable, timed out, the signal aborted: nothing was verified); a refusal by
 * the handler or by validation shows the call went through, and passes. Caveats: with
 * `failurePolicy: Ignore` a failed call goes unnoticed, and for a kind with only a validating webhook a schema
 * refusal (422) comes before the call: give your own `verify` then. It needs `create` on the kind (see
 * {@link webhookCertificateRules}'s `verifyKind`).
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { ConfigMap } from 'capstan';
 * import { dryRunVerifier } from 'capstan/webhook';
 * const verify = dryRunVerifier(await KubeClient.fromKubeconfig(), ConfigMap, 'web-app-system');
 * await verify(AbortSignal.timeout(10_000));
 * ```
 */
export function dryRunVerifier(client: KubeClient, kind: Kind, namespace: string): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    const object: KubeObject = {
      apiVersion: apiVersionOf(kind),
      kind: kind.kind,
      metadata: { name: 'capstan-certificate-check', ...(kind.namespaced ? { namespace } : {}) },
    };
    try {
      await client.resource(kind).create(object, { dryRun: true, signal });
    } catch (err) {
      // An answer below 500 came through admission (a webhook's denial, an invalid object): the webhooks were
      // reached. A 5xx (the API server could not call a webhook), or no answer at all (the API server unreachable,
      // the signal aborted), proves nothing: the rotation must not move on.
      if (!isApiError(err) || err.httpStatus >= 500) throw err;
    }
  };
}

/**
 * What {@link webhookCertificateRules} grants rights to: the same names as the {@link CertificateManager}'s options.
 *
 * @noExample Options of {@link webhookCertificateRules}; its example shows them in use.
 */
export interface WebhookCertificateRulesOptions {
  /** The operator's name: the Secret defaults to `<operator>-webhook-certs`, the webhook configurations to `<operator>`. */
  operator: string;
  /** The operator's namespace, where the Secret lives. */
  namespace: string;
  /** The Secret's name; default `<operator>-webhook-certs`. */
  secretName?: string;
  /** Default `[operator]` (the name `webhookConfigurations` is given); `[]` for none. */
  validatingConfigurations?: readonly string[];
  /** Default `[operator]` (the name `webhookConfigurations` is given); `[]` for none. */
  mutatingConfigurations?: readonly string[];
  /** CRDs with a conversion webhook whose caBundle is kept. */
  crds?: readonly string[];
  /** The kind {@link dryRunVerifier} dry-runs, if used: `create` on it (in the operator's namespace when it is namespaced). */
  verifyKind?: Pick<ResourceDescriptor, 'group' | 'plural' | 'namespaced'>;
}

/**
 * The RBAC the {@link CertificateManager} needs, and no more: in the operator's namespace (a Role) `get` and
 * `update` on its Secret by name and `create` on Secrets (RBAC cannot limit a create by name); cluster-wide (a
 * ClusterRole) `get` and `update` on the named webhook configurations and CRDs, and `create` on `verifyKind`.
 *
 * @example
 * ```ts
 * import { webhookCertificateRules } from 'capstan/webhook';
 * const { namespace, rules, clusterRules } = webhookCertificateRules({ operator: 'web-app-operator', namespace: 'web-app-system' });
 * console.log(namespace, rules[0]?.resourceNames, clusterRules.length); // web-app-system ['web-app-operator-webhook-certs'] 2
 * ```
 */
export function webhookCertificateRules(options: WebhookCertificateRulesOptions): {
  /** The namespace of the Role that holds `rules`: the operator's. */
  namespace: string;
  /** The rules of a Role in `namespace`: the Secret's, and `verifyKind`'s when it is namespaced. */
  rules: PolicyRule[];
  /** The rules of a ClusterRole: the webhook configurations', the CRDs' and, for a cluster-scoped kind, `verifyKind`'s. */
  clusterRules: PolicyRule[];
} {
  const secretName = options.secretName ?? webhookCertificateSecretName(options.operator);
  const validating = options.validatingConfigurations ?? [options.operator];
  const mutating = options.mutatingConfigurations ?? [options.operator];
  const verify: PolicyRule | undefined = options.verifyKind
    ? { apiGroups: [options.verifyKind.group], resources: [options.verifyKind.plural], verbs: ['create'] }
    : undefined;
  const named = (apiGroup: string, resource: string, names: readonly string[]): PolicyRule[] =>
    names.length > 0 ? [{ apiGroups: [apiGroup], resources: [resource], resourceNames: [...names], verbs: ['get', 'update'] }] : [];
  return {
    namespace: options.namespace,
    rules: [
      { apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ...(verify && options.verifyKind?.namespaced ? [verify] : []),
    ],
    clusterRules: [
      ...named('admissionregistration.k8s.io', 'validatingwebhookconfigurations', validating),
      ...named('admissionregistration.k8s.io', 'mutatingwebhookconfigurations', mutating),
      ...named('apiextensions.k8s.io', 'customresourcedefinitions', options.crds ?? []),
      ...(verify && !options.verifyKind?.namespaced ? [verify] : []),
    ],
  };
}
