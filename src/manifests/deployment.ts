import type { Deployment } from '../kinds/apps/v1.ts';

/**
 * Options of {@link deploymentManifest}.
 *
 * @noExample Options of {@link deploymentManifest}; its example shows them in use.
 */
export interface DeploymentOptions {
  /** The Deployment's name, and the name of the ServiceAccount it runs as (see {@link rbacManifests}). */
  name: string;
  /** The operator's namespace, where the Deployment and its ServiceAccount live. */
  namespace: string;
  /** The operator's image reference, e.g. `ghcr.io/example/hello-world-operator:0.1.0`. */
  image: string;
  /** Defaults to 2: leader election keeps one active and the other warm, ready to take over. */
  replicas?: number;
  /** Port of `/healthz` and `/readyz`, plain HTTP for the kubelet (default 8081). */
  healthPort?: number;
  /** Port of `/metrics`, HTTPS with the caller's token checked, exposed as `https` (default 8443, as Kubebuilder's). */
  metricsPort?: number;
  /** The port the manager serves admission webhooks on, exposed as `webhook-server`; none when the operator has no webhooks. */
  webhookPort?: number;
  /** Extra container arguments, e.g. `['--namespace=team-a']`. */
  args?: string[];
  /** Labels put on the Deployment and its Pods; the selector's labels ({@link operatorPodSelector}) win over them. */
  labels?: Record<string, string>;
  /**
   * The manager container's resources; defaults to requests of `50m` CPU and `96Mi` memory and a `256Mi` memory
   * limit, with no CPU limit so that the manager is never throttled.
   */
  resources?: {
    /** What the scheduler reserves for the container. */
    requests: {
      /** CPU request, a Kubernetes quantity such as `50m`. */
      cpu: string;
      /** Memory request, a Kubernetes quantity such as `96Mi`. */
      memory: string;
    };
    /** The container's ceilings. */
    limits: {
      /** CPU limit; absent, the container is not throttled. */
      cpu?: string;
      /** Memory limit: the container is OOM-killed past it. */
      memory: string;
    };
  };
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

/**
 * The non-root UID and GID the manager runs as: 65532, the `nonroot` user of distroless images and the image's
 * `USER 65532` in the Dockerfile. {@link deploymentManifest} sets it as `runAsUser`, `runAsGroup` and `fsGroup`;
 * use it for any other Pod that runs the operator's image, so that files it writes keep one owner.
 *
 * @example
 * ```ts
 * import { operatorUser } from 'capstan/manifests';
 * const securityContext = { runAsNonRoot: true, runAsUser: operatorUser, runAsGroup: operatorUser, fsGroup: operatorUser };
 * ```
 */
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
