// A controller definition run under a Manager inside the test process (not as an operator process: for
// that, the kit's startOperator), with a ServiceAccount bound to exactly the RBAC generated from its
// declaration (never admin).
import { Registry } from 'prom-client';
import { KubeClient } from '../../src/client/index.ts';
import type { AnyControllerDefinition, ControllerDefinition } from '../../src/controller/index.ts';
import type { KubeObject, Logger } from '../../src/core/index.ts';
import { Manager } from '../../src/manager/index.ts';
import { metricsAuthRules, rulesFor } from '../../src/manifests/index.ts';
import { type Cluster, metricsReader } from '../../src/testing/index.ts';

export interface InProcessManager {
  manager: Manager;
  client: KubeClient;
  registry: Registry;
  username: string;
  kubeconfigPath: string;
  /** The text of its /metrics page, read over HTTPS with a metrics-reader's token. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export async function startInProcessManager<T extends KubeObject>(
  cluster: Cluster,
  definitions: ControllerDefinition<T> | readonly AnyControllerDefinition[],
  options: { namespace: string; name: string },
): Promise<InProcessManager> {
  const all: readonly AnyControllerDefinition[] = 'declaration' in definitions ? [definitions] : definitions;
  const sa = await cluster.serviceAccountKubeconfig({
    namespace: options.namespace,
    name: options.name,
    // Its declared rights, and those the generated RBAC adds for checking who may read /metrics.
    clusterRules: [...rulesFor(all.map((d) => d.declaration)), ...metricsAuthRules],
  });
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: sa.kubeconfigPath });
  const registry = new Registry();
  const manager = new Manager({
    client,
    registry,
    probes: { host: '127.0.0.1', port: 0 },
    metrics: { host: '127.0.0.1', port: 0 },
    shutdownGraceMs: 5_000,
    logger: quietLogger,
  });
  for (const definition of all) manager.add(definition);
  await manager.start();
  const port = manager.metricsPort;
  if (port === undefined) throw new Error('the manager serves no metrics');
  const reader = metricsReader(cluster);
  return {
    manager,
    client,
    registry,
    username: sa.username,
    kubeconfigPath: sa.kubeconfigPath,
    metrics: () => reader.read(port),
    stop: async () => {
      await manager.stop();
      await client.close();
    },
  };
}

/** Warnings and errors to stderr (so a failing test shows them), the rest dropped. */
function quiet(bindings: object = {}): Logger {
  const write = (level: string) => (fields: object, message: string) => {
    process.stderr.write(`${level} ${message} ${JSON.stringify({ ...bindings, ...fields })}\n`);
  };
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: write('WARN'),
    error: write('ERROR'),
    child: (more) => quiet({ ...bindings, ...more }),
  };
}
const quietLogger = quiet();
