import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';
import { registered } from './registered.ts';

/**
 * What {@link webhookMetrics} returns: one call per admission request, when it arrives, and the function that
 * records its answer. The webhook server calls it; this layer may not import the webhook layer.
 *
 * @noExample Returned by {@link webhookMetrics}, whose example calls it.
 */
export interface WebhookRequestMetrics {
  /**
   * A request to the webhook at `path` has arrived; call what this returns once it is over, with the HTTP status
   * code sent (the webhook server counts a request whose caller hung up first as 499), so that the in-flight gauge
   * falls back. Later calls for the same request count nothing.
   */
  started(path: string): (code: number) => void;
}

/**
 * controller-runtime's webhook metrics, by the path served (`/validate-apps-example-com-v1alpha1-webapp`):
 * `controller_runtime_webhook_requests_total{webhook,code}`, `controller_runtime_webhook_requests_in_flight{webhook}`
 * and `controller_runtime_webhook_latency_seconds{webhook}` (Prometheus's default buckets, 5 ms to 10 s, the range
 * of a webhook's `timeoutSeconds`). The codes 200 and 500 of each path exist at 0 from {@link WebhookRequestMetrics.started}'s first
 * call, as controller-runtime's do, so a rate of failures is 0 rather than absent.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { webhookMetrics } from 'capstan/metrics';
 * const registry = new Registry();
 * const metrics = webhookMetrics(registry);
 * const answered = metrics.started('/validate-core-v1-configmap');
 * answered(200);
 * console.log(await registry.getSingleMetricAsString('controller_runtime_webhook_requests_total'));
 * ```
 */
export function webhookMetrics(registry: Registry = register): WebhookRequestMetrics {
  const total = registered(
    registry,
    'controller_runtime_webhook_requests_total',
    () =>
      new Counter({
        name: 'controller_runtime_webhook_requests_total',
        help: 'Total number of admission requests by HTTP status code.',
        labelNames: ['webhook', 'code'],
        registers: [registry],
      }),
  );
  const inFlight = registered(
    registry,
    'controller_runtime_webhook_requests_in_flight',
    () =>
      new Gauge({
        name: 'controller_runtime_webhook_requests_in_flight',
        help: 'Current number of admission requests being served.',
        labelNames: ['webhook'],
        registers: [registry],
      }),
  );
  const latency = registered(
    registry,
    'controller_runtime_webhook_latency_seconds',
    () =>
      new Histogram({
        name: 'controller_runtime_webhook_latency_seconds',
        help: 'Histogram of the latency of processing admission requests',
        labelNames: ['webhook'],
        registers: [registry],
      }),
  );
  const seen = new Set<string>();
  return {
    started(webhook) {
      if (!seen.has(webhook)) {
        seen.add(webhook);
        for (const code of ['200', '500']) total.inc({ webhook, code }, 0);
      }
      inFlight.inc({ webhook });
      const stop = latency.startTimer({ webhook });
      let done = false;
      return (code) => {
        if (done) return; // one answer per request, whatever the caller's paths
        done = true;
        stop();
        inFlight.dec({ webhook });
        total.inc({ webhook, code: String(code) });
      };
    },
  };
}
