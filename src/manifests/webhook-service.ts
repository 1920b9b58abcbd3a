import { webhookServiceName } from '../core/index.ts';
import type { Service } from '../kinds/core/v1.ts';
import { operatorPodSelector } from './deployment.ts';

/**
 * Options of {@link webhookServiceManifest}.
 *
 * @noExample Options of {@link webhookServiceManifest}; its example shows them in use.
 */
export interface WebhookServiceOptions {
  /** The operator's name: the Service is `<name>-webhook-service` and selects the operator's Pods. */
  name: string;
  /** The operator's namespace, where the Service is created (the webhook's `service.namespace`). */
  namespace: string;
  /** The container port the manager serves webhooks on (its `--webhook-port`); default 9443. */
  targetPort?: number;
  /** Labels put on the Service; its selector stays {@link operatorPodSelector}'s. */
  labels?: Record<string, string>;
}

/**
 * The Service through which the API server reaches the operator's admission webhooks in a cluster: port 443 (what
 * a webhook's `service` clientConfig uses by default) to the manager's `webhook-server` port on every replica.
 * All replicas serve webhooks, not only the leader, so it selects the Pods of the Deployment
 * ({@link deploymentManifest}) whatever their leadership.
 *
 * @example
 * ```ts
 * import { webhookServiceManifest } from 'capstan/manifests';
 * const service = webhookServiceManifest({ name: 'web-app-operator', namespace: 'web-app-system' });
 * console.log(service.metadata?.name, service.spec?.ports?.[0]?.port); // 'web-app-operator-webhook-service' 443
 * ```
 */
export function webhookServiceManifest(options: WebhookServiceOptions): Service {
  const selector = operatorPodSelector(options.name);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: webhookServiceName(options.name), namespace: options.namespace, labels: { ...options.labels } },
    spec: {
      selector: { ...selector },
      ports: [{ name: 'webhook-server', port: 443, targetPort: options.targetPort ?? 9443, protocol: 'TCP' }],
    },
  };
}
