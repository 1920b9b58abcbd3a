import { Counter, Histogram, type Registry, register } from 'prom-client';

/**
 * One request as the metrics see it. Watches are observed when their response headers arrive.
 *
 * @noExample What {@link RequestMetrics.observe} receives; {@link RequestMetrics}'s example reads it.
 */
export interface ObservedRequest {
  /** HTTP method (`GET`, `POST`, …). */
  method: string;
  /** The HTTP status as a string, or `<error>` when no answer came (as client-go labels it). */
  code: string;
  /** From sending the request to its response headers (or its failure), in seconds. */
  durationSeconds: number;
}

/**
 * Where a {@link KubeClient} reports its requests. {@link prometheusRequestMetrics} is the standard one;
 * implement this to send them elsewhere.
 *
 * @example
 * ```ts
 * import { KubeClient, type RequestMetrics } from 'capstan/client';
 * const log: RequestMetrics = { observe: (r) => console.log(r.method, r.code, r.durationSeconds) };
 * const client = await KubeClient.fromKubeconfig({ metrics: log });
 * await client.close();
 * ```
 */
export interface RequestMetrics {
  /** Called once per request, when its answer starts or it fails (a 401 retried with fresh credentials counts twice); must not throw. */
  observe(request: ObservedRequest): void;
}

const requestsTotal = 'rest_client_requests_total';
const requestDuration = 'rest_client_request_duration_seconds';

/**
 * client-go's request metrics on a prom-client registry: `rest_client_requests_total{code,method}` and
 * `rest_client_request_duration_seconds{verb}`. Several clients may share one registry; the metrics are
 * registered once and shared.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { KubeClient, prometheusRequestMetrics } from 'capstan/client';
 * const registry = new Registry();
 * const client = await KubeClient.fromKubeconfig({ metrics: prometheusRequestMetrics(registry) });
 * console.log(await registry.metrics());
 * await client.close();
 * ```
 */
export function prometheusRequestMetrics(registry: Registry = register): RequestMetrics {
  const total =
    (registry.getSingleMetric(requestsTotal) as Counter<'code' | 'method'> | undefined) ??
    new Counter({
      name: requestsTotal,
      help: 'Number of HTTP requests to the API server, by status code and method.',
      labelNames: ['code', 'method'],
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric(requestDuration) as Histogram<'verb'> | undefined) ??
    new Histogram({
      name: requestDuration,
      help: 'Request latency to the API server in seconds, by verb (until the response headers for watches).',
      labelNames: ['verb'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
      registers: [registry],
    });
  return {
    observe({ method, code, durationSeconds }) {
      total.inc({ code, method });
      duration.observe({ verb: method }, durationSeconds);
    },
  };
}
