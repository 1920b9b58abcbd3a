import type { Deployment } from '../kinds/apps/v1.ts';

/** Options of {@link deploymentManifest}. */
export interface DeploymentOptions {
  /** Also the ServiceAccount's name (see `rbacManifests`). */
  name: string;
  namespace: string;
  image: string;
  replicas?: number;
  /** Port of `/healthz` and `/readyz`, plain HTTP for the kubelet (default 8081). */
  healthPort?: number;
  /** Port of `/metrics`, HTTPS with the caller's token checked, exposed as `https` (default 8443, as Kubebuilder's). */
  metricsPort?: number;
  /** The port the manager serves admission webhooks on, exposed as `webhook-server`; none when the operator has no webhooks. */
  webhookPort?: number;
  /** Extra container arguments, e.g. `['--namespace=team-a']`. */
  args?: string[];
  labels?: Record<string, string>;
  resources?: { requests: { cpu: string; memory: string }; limits: { cpu?: string; memory: string } };
}

/**
 * The labels that select an operator's Pods: the Deployment's selector, and the webhook Service's.
 *
 * @example
 * ```ts
 * import { operatorPodSelector } from 'capstan/manifests';
 * console.log(operatorPodSelector('web-app-operator')); // { 'app.kubernetes.io/name': 'web-app-operator', 'app.kubernetes.io/component': 'operator' }
 * ```
 */
export function operatorPodSelector(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'operator' };
}

/** The non-root user of the image (`USER 65532` in the Dockerfile, as distroless images use). */
export const operatorUser = 65532;

/**
 * The manager Deployment, compliant with Pod Security `restricted` (non-root, no privilege escalation, all
 * capabilities dropped, seccomp `RuntimeDefault`) plus a read-only root filesystem with an emptyDir at
 * `/tmp`, resource requests and limits, and probes on the manager's health endpoints. Two replicas by
 * default: leader election makes one active and keeps the other warm. Typed as the generated `apps/v1` Deployment
 * (`capstan/kinds/apps/v1`), so a change of the manifest is checked against the API's own schema.
 *
 * @example
 * ```ts
 * import { deploymentManifest } from 'capstan/manifests';
 * const deployment = deploymentManifest({ name: 'hello-world-operator', namespace: 'hello-world-system', image: 'hello-world-operator:0.1.0' });
 * console.log(deployment.kind, deployment.spec?.replicas); // 'Deployment' 2
 * ```
 */
export function deploymentManifest(options: DeploymentOptions): Deployment {
  const healthPort = options.healthPort ?? 8081;
  const metricsPort = options.metricsPort ?? 8443;
  const selector = operatorPodSelector(options.name);
  // Fresh copies at each place: a shared object would be written as a YAML anchor and alias.
  const labels = () => ({ ...options.labels, ...selector });
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: 'health' },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.name, namespace: options.namespace, labels: labels() },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { ...selector } },
      template: {
        metadata: { labels: labels() },
        spec: {
          serviceAccountName: options.name,
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: operatorUser,
            runAsGroup: operatorUser,
            fsGroup: operatorUser,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'manager',
              image: options.image,
              args: [`--health-port=${healthPort}`, `--metrics-port=${metricsPort}`, ...(options.args ?? [])],
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              ports: [
                { name: 'health', containerPort: healthPort, protocol: 'TCP' },
                { name: 'https', containerPort: metricsPort, protocol: 'TCP' },
                ...(options.webhookPort !== undefined
                  ? [{ name: 'webhook-server', containerPort: options.webhookPort, protocol: 'TCP' as const }]
                  : []),
              ],
              livenessProbe: { ...probe('/healthz', 20), initialDelaySeconds: 5 },
              readinessProbe: { ...probe('/readyz', 10), initialDelaySeconds: 2 },
              resources: options.resources ?? { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}
