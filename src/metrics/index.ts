/**
 * Prometheus metrics under controller-runtime's and client-go's names (`controller_runtime_reconcile_total`,
 * `workqueue_depth`, `leader_election_master_status`, …) plus Capstan's own `capstan_*` families, on a
 * prom-client registry. The manager registers all of them; import this entry point to wire a layer's metrics
 * by hand (an `Informer`, a `WorkQueue`, an `EventRecorder`) or onto a registry of your own.
 *
 * @module capstan/metrics
 */
export { cacheMetrics, type CacheObjectMetrics } from './cache-metrics.ts';
export { controllerMetrics, type ControllerMetrics, type ReconcileResultLabel } from './controller-metrics.ts';
export { leaderElectionMetrics, type LeaderElectionMetrics } from './leader-election-metrics.ts';
export { processMetrics } from './process-metrics.ts';
export { workqueueMetrics, type InFlightWorkView, type WorkqueueMetrics } from './workqueue-metrics.ts';
export { webhookMetrics, type WebhookRequestMetrics } from './webhook-metrics.ts';
export { watchMetrics, type WatchHealthMetrics } from './watch-metrics.ts';
export { clientMetrics, type ClientRequestMetrics } from './client-metrics.ts';
export { eventMetrics, type EventDropMetrics } from './event-metrics.ts';
