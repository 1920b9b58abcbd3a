import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';
import { registered } from './registered.ts';

/**
 * The `result` label of `controller_runtime_reconcile_total`, as controller-runtime spells it. Capstan reports
 * `success`, `error` and `requeue_after`; `requeue` exists at 0 for dashboards written for controller-runtime.
 *
 * @noExample The values of a metric label; {@link controllerMetrics}' example reports one.
 */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';

const reconcileResults: readonly ReconcileResultLabel[] = ['success', 'error', 'requeue', 'requeue_after'];

// controller-runtime's buckets for controller_runtime_reconcile_time_seconds, so dashboards' quantiles match.
const reconcileTimeBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5,
  4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/**
 * What one controller reports; every method is labelled with the controller's name.
 *
 * @noExample Returned by {@link controllerMetrics}, whose example calls it; pass it as `ControllerOptions.metrics`.
 */
export interface ControllerMetrics {
  /** One reconcile ended with `result` after `seconds`. */
  reconciled(result: ReconcileResultLabel, seconds: number): void;
  /** A reconcile failed (counted in `controller_runtime_reconcile_errors_total`, as well as `result="error"`). */
  reconcileError(): void;
  /** A reconcile failed with a terminal error: counted, not retried until the object changes. */
  terminalReconcileError(): void;
  /** A worker took a key (`controller_runtime_active_workers` + 1). */
  workerStarted(): void;
  /** A worker finished a key (`controller_runtime_active_workers` − 1). */
  workerFinished(): void;
}

/**
 * controller-runtime's per-controller metrics on a prom-client registry (the default registry unless
 * given): `controller_runtime_reconcile_total{controller,result}`,
 * `controller_runtime_reconcile_errors_total{controller}`, `controller_runtime_terminal_reconcile_errors_total{controller}`,
 * `controller_runtime_reconcile_time_seconds{controller}`, `controller_runtime_active_workers{controller}` and
 * `controller_runtime_max_concurrent_reconciles{controller}`. As in controller-runtime, every series of the
 * controller exists (at 0) from the start, so dashboards and alerts see it before the first reconcile.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { controllerMetrics } from 'capstan/metrics';
 * const registry = new Registry();
 * const metrics = controllerMetrics('helloworld', { maxConcurrentReconciles: 2, registry });
 * metrics.workerStarted();
 * metrics.reconciled('success', 0.012);
 * metrics.workerFinished();
 * console.log(await registry.metrics());
 * ```
 */
export function controllerMetrics(
  controller: string,
  options: { maxConcurrentReconciles: number; registry?: Registry },
): ControllerMetrics {
  const registry = options.registry ?? register;
  const registers = [registry];
  const total = registered(
    registry,
    'controller_runtime_reconcile_total',
    () =>
      new Counter({
        name: 'controller_runtime_reconcile_total',
        help: 'Total number of reconciliations per controller',
        labelNames: ['controller', 'result'],
        registers,
      }),
  );
  const errors = registered(
    registry,
    'controller_runtime_reconcile_errors_total',
    () =>
      new Counter({
        name: 'controller_runtime_reconcile_errors_total',
        help: 'Total number of reconciliation errors per controller',
        labelNames: ['controller'],
        registers,
      }),
  );
  const terminal = registered(
    registry,
    'controller_runtime_terminal_reconcile_errors_total',
    () =>
      new Counter({
        name: 'controller_runtime_terminal_reconcile_errors_total',
        help: 'Total number of terminal reconciliation errors per controller',
        labelNames: ['controller'],
        registers,
      }),
  );
  const time = registered(
    registry,
    'controller_runtime_reconcile_time_seconds',
    () =>
      new Histogram({
        name: 'controller_runtime_reconcile_time_seconds',
        help: 'Length of time per reconciliation per controller',
        labelNames: ['controller'],
        buckets: reconcileTimeBuckets,
        registers,
      }),
  );
  const active = registered(
    registry,
    'controller_runtime_active_workers',
    () =>
      new Gauge({
        name: 'controller_runtime_active_workers',
        help: 'Number of currently used workers per controller',
        labelNames: ['controller'],
        registers,
      }),
  );
  const max = registered(
    registry,
    'controller_runtime_max_concurrent_reconciles',
    () =>
      new Gauge({
        name: 'controller_runtime_max_concurrent_reconciles',
        help: 'Maximum number of concurrent reconciles per controller',
        labelNames: ['controller'],
        registers,
      }),
  );
  const labels = { controller };
  for (const result of reconcileResults) total.inc({ controller, result }, 0);
  errors.inc(labels, 0);
  terminal.inc(labels, 0);
  time.zero(labels);
  active.set(labels, 0);
  max.set(labels, options.maxConcurrentReconciles);
  return {
    reconciled(result, seconds) {
      total.inc({ controller, result });
      time.observe(labels, seconds);
    },
    reconcileError: () => errors.inc(labels),
    terminalReconcileError: () => terminal.inc(labels),
    workerStarted: () => active.inc(labels),
    workerFinished: () => active.dec(labels),
  };
}
