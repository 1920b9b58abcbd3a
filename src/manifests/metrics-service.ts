// What lets Prometheus reach the operator's guarded /metrics in a cluster: a Service in front of the manager's `https`
// port, and (with the Prometheus Operator) a ServiceMonitor that scrapes it with its own ServiceAccount token, the
// Kubebuilder scaffold's config/default/metrics_service.yaml and config/prometheus/monitor.yaml.
import type { Service } from '../kinds/core/v1.ts';
import { operatorPodSelector } from './deployment.ts';

/**
 * Options of {@link metricsServiceManifest} and {@link serviceMonitorManifest}.
 *
 * @noExample Options of {@link metricsServiceManifest}; its example shows them in use.
 */
export interface MetricsServiceOptions {
  /** The operator's name: the Service is `<name>-metrics-service`, the ServiceMonitor `<name>-metrics-monitor`. */
  name: string;
  /** The operator's namespace, where both live. */
  namespace: string;
  /** The manager's metrics port (its `--metrics-port`); default 8443. */
  port?: number;
  /** Labels put on both; the Service also carries `app.kubernetes.io/component: metrics`, which the monitor selects. */
  labels?: Record<string, string>;
}

/**
 * A Prometheus Operator ServiceMonitor (`monitoring.coreos.com/v1`), the part Capstan writes.
 *
 * @noExample Made by {@link serviceMonitorManifest}, whose example shows one.
 */
export interface ServiceMonitor {
  /** `monitoring.coreos.com/v1`. */
  apiVersion: 'monitoring.coreos.com/v1';
  /** `ServiceMonitor`. */
  kind: 'ServiceMonitor';
  /** Its name, namespace and labels. */
  metadata: {
    /** `<operator>-metrics-monitor`. */
    name: string;
    /** The operator's namespace. */
    namespace: string;
    /** The operator's labels. */
    labels: Record<string, string>;
  };
  /** What Prometheus scrapes, and how. */
  spec: {
    /** The Service's port to scrape, over HTTPS with the scraper's token (the operator reviews it). */
    endpoints: Array<{
      /** `/metrics`. */
      path: string;
      /** The Service port's name, `https`. */
      port: string;
      /** `https`. */
      scheme: 'https';
      /** The scraping Prometheus's own ServiceAccount token, which the operator checks with a TokenReview. */
      bearerTokenFile: string;
      /** The operator's certificate is its own (made at start, or `--metrics-cert-dir`): not verified by default. */
      tlsConfig: {
        /** True: the certificate is the operator's own. */
        insecureSkipVerify: boolean;
      };
    }>;
    /** The metrics Service's labels. */
    selector: {
      /** `app.kubernetes.io/name: <operator>` and `app.kubernetes.io/component: metrics`. */
      matchLabels: Record<string, string>;
    };
  };
}

const metricsComponent = { 'app.kubernetes.io/component': 'metrics' };

/** The metrics Service's name for an operator: `<name>-metrics-service`. */
function metricsServiceName(name: string): string {
  return `${name}-metrics-service`;
}

/**
 * The Service in front of the manager's guarded `/metrics` (the `https` port, 8443 by default) on every replica:
 * what a ServiceMonitor, or any scraper holding a token the operator's `metrics-reader` ClusterRole is bound to,
 * reaches in a cluster.
 *
 * @example
 * ```ts
 * import { metricsServiceManifest } from 'capstan/manifests';
 * const service = metricsServiceManifest({ name: 'web-app-operator', namespace: 'web-app-system' });
 * console.log(service.metadata.name, service.spec?.ports?.[0]?.port); // web-app-operator-metrics-service 8443
 * ```
 */
export function metricsServiceManifest(options: MetricsServiceOptions): Service {
  const port = options.port ?? 8443;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: metricsServiceName(options.name),
      namespace: options.namespace,
      labels: { ...options.labels, 'app.kubernetes.io/name': options.name, ...metricsComponent },
    },
    spec: {
      selector: { ...operatorPodSelector(options.name) },
      ports: [{ name: 'https', port, targetPort: 'https', protocol: 'TCP' }],
    },
  };
}

/**
 * A ServiceMonitor for the Prometheus Operator that scrapes the {@link metricsServiceManifest}'s Service over HTTPS
 * with Prometheus's own ServiceAccount token: bind the operator's `<name>-metrics-reader` ClusterRole to that
 * ServiceAccount. The certificate is not verified (the operator's own, unless `--metrics-cert-dir` gives one a CA
 * of yours signed: then set `tlsConfig` to verify it).
 *
 * @example
 * ```ts
 * import { serviceMonitorManifest } from 'capstan/manifests';
 * const monitor = serviceMonitorManifest({ name: 'web-app-operator', namespace: 'web-app-system' });
 * console.log(monitor.spec.selector.matchLabels); // the metrics Service's name and component labels
 * ```
 */
export function serviceMonitorManifest(options: MetricsServiceOptions): ServiceMonitor {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: `${options.name}-metrics-monitor`, namespace: options.namespace, labels: { ...options.labels } },
    spec: {
      endpoints: [
        {
          path: '/metrics',
          port: 'https',
          scheme: 'https',
          bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
          tlsConfig: { insecureSkipVerify: true },
        },
      ],
      selector: { matchLabels: { 'app.kubernetes.io/name': options.name, ...metricsComponent } },
    },
  };
}
