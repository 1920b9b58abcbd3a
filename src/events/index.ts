/**
 * Kubernetes Events (`events.k8s.io/v1`) with client-go's series folding: the {@link EventRecorder}. A
 * reconcile usually calls `ctx.recordEvent`, which the manager backs with one; import this entry point to
 * record Events outside a controller.
 *
 * @module capstan/events
 */
export { EventRecorder, type EventInput, type EventRecorderMetrics, type EventRecorderOptions, type EventSubject } from './recorder.ts';
