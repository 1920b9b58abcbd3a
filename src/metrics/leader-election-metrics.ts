import { Gauge, register, type Registry } from 'prom-client';
import { registered } from './registered.ts';

/**
 * What leader election reports: whether this process holds the lease called `name`.
 *
 * @noExample Returned by {@link leaderElectionMetrics}, whose example calls it.
 */
export interface LeaderElectionMetrics {
  /** This process now leads (1) or stands by (0) for the Lease `name`. */
  setLeading(name: string, leading: boolean): void;
}

/**
 * client-go's `leader_election_master_status{name}`: 1 while this process holds the lease `name`, 0 while
 * it stands by. Standby replicas are Ready and report 0, so group by `name` to see the leader.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { leaderElectionMetrics } from 'capstan/metrics';
 * const registry = new Registry();
 * const metrics = leaderElectionMetrics(registry);
 * metrics.setLeading('helloworld-operator', true);
 * ```
 */
export function leaderElectionMetrics(registry: Registry = register): LeaderElectionMetrics {
  const status = registered(
    registry,
    'leader_election_master_status',
    () =>
      new Gauge({
        name: 'leader_election_master_status',
        help:
          'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. ' +
          "'name' is the string used to identify the lease. Please make sure to group by name.",
        labelNames: ['name'],
        registers: [registry],
      }),
  );
  return { setLeading: (name, leading) => status.set({ name }, leading ? 1 : 0) };
}
