export { leaseRules, rbacManifests, rulesFor, type Manifest, type RbacOptions, watchedNamespaces } from './rbac.ts';
export { deploymentManifest, operatorUser, type DeploymentOptions } from './deployment.ts';
