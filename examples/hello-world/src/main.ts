// The operator's entry point: `npm start`, `capstan run` and the container image all start this file.
// In a cluster, config/manager/deployment.yaml passes --leader-elect and sets POD_NAMESPACE.
import { parseArgs } from 'node:util';
import { Manager } from 'capstan/manager';
import { controllers } from './operator.ts';

const { values: flags } = parseArgs({
  options: {
    // Watch and reconcile only this namespace (the RBAC then needs only a Role there).
    namespace: { type: 'string' },
    // Run several replicas, one active at a time, through a Lease.
    'leader-elect': { type: 'boolean', default: false },
    'leader-election-namespace': { type: 'string' },
    // /healthz, /readyz and /metrics; 0 picks a free port.
    'health-port': { type: 'string', default: '8081' },
    // Accepted for the Deployment's sake: the manager serves /metrics on the health port.
  },
});

const podNamespace = process.env['POD_NAMESPACE'];
const leaseNamespace = flags['leader-election-namespace'] ?? podNamespace;
if (flags['leader-elect'] && !leaseNamespace) {
  process.stderr.write('--leader-elect needs the namespace of the Lease: set POD_NAMESPACE or pass --leader-election-namespace\n');
  process.exit(2);
}

const manager = new Manager({
  ...(flags.namespace ? { namespace: flags.namespace } : {}),
  leaderElection: flags['leader-elect'] && leaseNamespace ? { namespace: leaseNamespace, name: 'hello-world-operator' } : false,
  // In a Pod the kubelet probes from outside; locally, listen on loopback only.
  probes: { host: podNamespace ? '0.0.0.0' : '127.0.0.1', port: Number(flags['health-port']) },
});
for (const definition of controllers) manager.add(definition);
await manager.run();
