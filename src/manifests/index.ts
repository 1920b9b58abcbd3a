export { leaseRules, rbacManifests, rulesFor, type Manifest, type RbacOptions, watchedNamespaces } from './rbac.ts';
export { deploymentManifest, operatorPodSelector, operatorUser, type DeploymentOptions } from './deployment.ts';
export { webhookServiceManifest, webhookServiceName, type WebhookServiceOptions } from './webhook-service.ts';
