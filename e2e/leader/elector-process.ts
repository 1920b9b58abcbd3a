// One leader-election candidate in a process of its own, so a test can SIGKILL it (no release) or SIGTERM
// it (graceful release). Argument: a JSON object with the kubeconfig, the Lease and the timings. Prints one
// JSON line per event: { at (epoch ms), event, ... }.
import { KubeClient } from '../../src/client/index.ts';
import { LeaderElector } from '../../src/leader/index.ts';

export interface ElectorProcessConfig {
  kubeconfigPath: string;
  namespace: string;
  name: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ElectorProcessConfig;
const print = (fields: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ at: Date.now(), ...fields })}\n`);

const client = await KubeClient.fromKubeconfig({ kubeconfigPath: config.kubeconfigPath });
const elector = new LeaderElector({ client, ...config });
elector.subscribe((event) => {
  if (event.type === 'started-leading') print({ event: event.type });
  else if (event.type === 'stopped-leading') print({ event: event.type, reason: event.reason });
  else if (event.type === 'new-leader') print({ event: event.type, holder: event.holder });
  else print({ event: 'error', message: String(event.error) });
});
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
print({ event: 'ready', identity: elector.identity });
await elector.run(stop.signal);
await client.close();
print({ event: 'exited' });
