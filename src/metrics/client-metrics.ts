import { Gauge, register, type Registry } from 'prom-client';
import { registered } from './registered.ts';

/**
 * Where a `KubeClient`'s start and completion hooks report (`onRequestStart`, `onRequest`).
 *
 * @noExample Returned by {@link clientMetrics}, whose example wires it to a client's hooks.
 */
export interface ClientRequestMetrics {
  /** A request was sent (`capstan_client_requests_in_flight{verb}` + 1). */
  requestStarted(verb: string): void;
  /** Its answer started, or it failed (− 1). */
  requestFinished(verb: string): void;
}

/** The verbs whose series exist from the start, so a dashboard or a test reads 0 before the first request. */
const verbs = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * `capstan_client_requests_in_flight{verb}`: requests to the API server sent and not answered yet, by HTTP
 * method. A watch counts until its response headers arrive, not while it streams. An operator at rest shows 0;
 * a value stuck above 0 means requests hang (a black-holed connection waits out its timeout), and a test that
 * needs the operator quiet waits for 0 here as well as for an empty work queue: a write still in flight is
 * invisible to both the queue and the request log. Several clients may share one registry.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { KubeClient } from 'capstan/client';
 * import { clientMetrics } from 'capstan/metrics';
 * const registry = new Registry();
 * const inFlight = clientMetrics(registry);
 * const client = await KubeClient.fromKubeconfig({
 *   onRequestStart: (r) => inFlight.requestStarted(r.method),
 *   onRequest: (r) => inFlight.requestFinished(r.method),
 * });
 * console.log(await registry.getSingleMetricAsString('capstan_client_requests_in_flight'));
 * await client.close();
 * ```
 */
export function clientMetrics(registry: Registry = register): ClientRequestMetrics {
  const name = 'capstan_client_requests_in_flight';
  const gauge = registered<Gauge<'verb'>>(
    registry,
    name,
    () =>
      new Gauge({
        name,
        help: 'Requests to the API server sent and not answered yet, by verb (a watch until its response headers).',
        labelNames: ['verb'],
        registers: [registry],
      }),
  );
  for (const verb of verbs) gauge.inc({ verb }, 0);
  return {
    requestStarted: (verb) => gauge.inc({ verb }),
    requestFinished: (verb) => gauge.dec({ verb }),
  };
}
