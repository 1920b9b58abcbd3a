// The operator's entry point: `npm start`, `capstan run` and the container image all start this file.
// In a cluster, config/manager/deployment.yaml passes --leader-elect and sets POD_NAMESPACE.
// Flags: --namespace, --leader-elect, --leader-election-namespace, --health-port, --metrics-port, --log-level,
// --watch-inactivity-timeout, --webhook-port, --webhook-cert-dir, --webhook-cert-secret (see managerFlagsHelp).
import { Manager, ManagerFlagError, managerOptionsFromFlags } from 'capstan';
import { controllers, conversions, webhooks } from './operator.ts';

let manager: Manager;
try {
  manager = new Manager(managerOptionsFromFlags({ leaseName: 'cronjob-operator' }));
} catch (err) {
  if (!(err instanceof ManagerFlagError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
for (const definition of controllers) manager.add(definition);
// Served by every replica, over HTTPS on --webhook-port, once they have a certificate.
for (const definition of [...webhooks, ...conversions]) manager.add(definition);
await manager.run();
