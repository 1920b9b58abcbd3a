/**
 * The manifests an operator is deployed with, derived from its controller declarations: RBAC with exactly
 * the rights the controllers declare (no wildcard), the manager Deployment (Pod Security `restricted`,
 * leader election across two replicas), the Service of its admission webhooks, and the metrics Service and
 * ServiceMonitor that let Prometheus scrape its guarded `/metrics`. `capstan generate` writes
 * them into config/; import this entry point, not `capstan`, to generate them in your own tooling or to
 * assert on them in a test.
 *
 * @module capstan/manifests
 */
export {
  leaseRules,
  metricsAuthRules,
  metricsReaderRules,
  type NonResourceRule,
  rbacManifests,
  rulesFor,
  type Manifest,
  type RbacOptions,
  watchedNamespaces,
} from './rbac.ts';
export { deploymentManifest, operatorPodSelector, operatorUser, type DeploymentOptions } from './deployment.ts';
export { webhookServiceManifest, type WebhookServiceOptions } from './webhook-service.ts';
export { metricsServiceManifest, type MetricsServiceOptions, type ServiceMonitor, serviceMonitorManifest } from './metrics-service.ts';
export { webhookServiceName } from '../core/index.ts';
