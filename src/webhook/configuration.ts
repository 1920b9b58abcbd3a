import { apiVersionOf, type KubeObject } from '../core/index.ts';
import type { MutatingWebhookConfiguration, ValidatingWebhook, ValidatingWebhookConfiguration } from '../kinds/admissionregistration/v1.ts';
import { type AdmissionHandler, type WebhookDefinition, webhookPath } from './admission.ts';

/**
 * Where the API server reaches the webhook server: a `url` (a local control plane) or a Service (in a cluster).
 * Each handler's path ({@link webhookPath}) is added to it.
 *
 * @example
 * ```ts
 * import type { WebhookClientConfig } from 'capstan/webhook';
 * const inCluster: WebhookClientConfig = { service: { name: 'web-app-operator-webhook-service', namespace: 'web-app-system' } };
 * const local: WebhookClientConfig = { url: 'https://127.0.0.1:9443', caBundle: 'LS0tLS1CRUdJTi…' };
 * ```
 */
export type WebhookClientConfig =
  | {
      /** The server's HTTPS base URL, without the handler's path (`https://127.0.0.1:9443`). */
      readonly url: string;
      /** Base64 PEM of the CA that signed the serving certificate; required, as a local server's is never publicly trusted. */
      readonly caBundle: string;
    }
  | {
      /** The Service in front of the webhook servers. */
      readonly service: {
        /** The Service's name. */
        readonly name: string;
        /** The Service's namespace. */
        readonly namespace: string;
        /** The Service port; default 443. */
        readonly port?: number;
      };
      /** Base64 PEM of the CA that signed the serving certificate; leave it out when the manager (or cert-manager) sets it. */
      readonly caBundle?: string;
    };

/**
 * The ValidatingWebhookConfiguration and MutatingWebhookConfiguration (named `name`) that register `definitions`
 * with the API server: one webhook per handler, for the kind's resource and version, with the handler's options.
 * `caBundle` is the base64 PEM of the CA that signed the serving certificate. A `url` must be HTTPS; a `url` on
 * 127.0.0.1 serves only a control plane on the same machine.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { deny, webhook, webhookConfigurations } from 'capstan/webhook';
 * const definitions = [webhook(ConfigMap).validate(({ object }) => (object.data?.['password'] ? deny('no passwords') : undefined))];
 * const { validating } = webhookConfigurations(definitions, { name: 'my-operator', clientConfig: { service: { name: 'my-operator-webhooks', namespace: 'ops' } } });
 * console.log(validating?.webhooks?.[0]?.name); // 'validate.configmaps.core'
 * ```
 */
export function webhookConfigurations(
  definitions: readonly WebhookDefinition[],
  options: {
    name: string;
    clientConfig: WebhookClientConfig;
    /** Only objects in these namespaces (an operator serving a set of namespaces); default every namespace. */
    namespaces?: readonly string[];
  },
): {
  /** The ValidatingWebhookConfiguration; undefined when no definition has a validating handler. */
  validating: ValidatingWebhookConfiguration | undefined;
  /** The MutatingWebhookConfiguration; undefined when no definition has a mutating handler. */
  mutating: MutatingWebhookConfiguration | undefined;
} {
  const entry = (definition: WebhookDefinition, handler: AdmissionHandler<KubeObject>): ValidatingWebhook => {
    const { kind } = definition;
    const path = webhookPath(handler.type, kind);
    const clientConfig =
      'url' in options.clientConfig
        ? { url: `${options.clientConfig.url.replace(/\/$/, '')}${path}`, caBundle: options.clientConfig.caBundle }
        : {
            service: { ...options.clientConfig.service, port: options.clientConfig.service.port ?? 443, path },
            ...(options.clientConfig.caBundle ? { caBundle: options.clientConfig.caBundle } : {}),
          };
    return {
      name: `${handler.type === 'validating' ? 'validate' : 'mutate'}.${kind.plural}.${kind.group || 'core'}`,
      admissionReviewVersions: ['v1'],
      clientConfig,
      rules: [
        {
          apiGroups: [kind.group],
          apiVersions: [kind.version],
          resources: [kind.plural],
          operations: [...handler.options.operations],
          scope: kind.namespaced ? 'Namespaced' : 'Cluster',
        },
      ],
      failurePolicy: handler.options.failurePolicy,
      sideEffects: handler.options.sideEffects,
      timeoutSeconds: handler.options.timeoutSeconds,
      matchPolicy: 'Equivalent',
      ...(options.namespaces && kind.namespaced
        ? {
            namespaceSelector: {
              matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In' as const, values: [...options.namespaces] }],
            },
          }
        : {}),
      ...(handler.options.matchConditions ? { matchConditions: handler.options.matchConditions.map((c) => ({ ...c })) } : {}),
    };
  };
  const validating = definitions.flatMap((d) => (d.validating ? [entry(d, d.validating)] : []));
  const mutating = definitions.flatMap((d) => (d.mutating ? [entry(d, d.mutating)] : []));
  const meta = { name: options.name };
  const apiVersion = apiVersionOf({ group: 'admissionregistration.k8s.io', version: 'v1' });
  return {
    validating:
      validating.length > 0 ? { apiVersion, kind: 'ValidatingWebhookConfiguration', metadata: meta, webhooks: validating } : undefined,
    mutating:
      mutating.length > 0
        ? {
            apiVersion,
            kind: 'MutatingWebhookConfiguration',
            metadata: meta,
            webhooks: mutating.map((w) => ({ ...w, reinvocationPolicy: 'Never' as const })),
          }
        : undefined,
  };
}
