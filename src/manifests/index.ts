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
export { webhookServiceName } from '../core/index.ts';
