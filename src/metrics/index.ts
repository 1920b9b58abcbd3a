export { cacheMetrics, type CacheObjectMetrics } from './cache-metrics.ts';
export { controllerMetrics, type ControllerMetrics, type ReconcileResultLabel } from './controller-metrics.ts';
export { leaderElectionMetrics, type LeaderElectionMetrics } from './leader-election-metrics.ts';
export { processMetrics } from './process-metrics.ts';
export { workqueueMetrics, type InFlightWorkView, type WorkqueueMetrics } from './workqueue-metrics.ts';
export { webhookMetrics, type WebhookRequestMetrics } from './webhook-metrics.ts';
export { watchMetrics, type WatchHealthMetrics } from './watch-metrics.ts';
export { clientMetrics, type ClientRequestMetrics } from './client-metrics.ts';
export { eventMetrics, type EventDropMetrics } from './event-metrics.ts';
