// What every HelloWorld scenario gets: the shared cluster with the example installed, the operator's
// credentials, typed reads of HelloWorlds, ConfigMaps and Events, and namespaces of its own.
import { isNotFound } from '../../src/client/index.ts';
import type { Condition } from '../../src/core/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { type Cluster, createNamespace, eventually } from '../../src/testing/index.ts';
import { HelloWorld } from '../../examples/hello-world/src/api/hello-world.ts';
import { kubectl } from './support.ts';

export { HelloWorld };

export interface EventObject {
  type: string;
  reason: string;
  note?: string;
  regarding: { kind: string; name: string };
}

/** The cluster and the example installed on it, as a scenario uses them. */
export class Scenario {
  readonly cluster: Cluster;
  /** The admin kubeconfig (kubectl as the user who installs the operator). */
  readonly adminKubeconfig: string;
  /** The operator's ServiceAccount kubeconfig: only the generated roles. */
  readonly operatorKubeconfig: string;
  /** When the operator's 403s start to count: after `waitForKind`, before any operator started. */
  readonly installedAt: Date;
  readonly namespaces: string[] = [];

  constructor(cluster: Cluster, operatorKubeconfig: string, installedAt: Date) {
    this.cluster = cluster;
    this.adminKubeconfig = cluster.kubeconfigPath;
    this.operatorKubeconfig = operatorKubeconfig;
    this.installedAt = installedAt;
  }

  /** A new namespace, deleted with the others when the file ends. */
  async namespace(prefix: string): Promise<string> {
    const name = await createNamespace(this.cluster, prefix);
    this.namespaces.push(name);
    return name;
  }

  /** kubectl as the admin, in `namespace`, from the example's folder. */
  kubectl(namespace: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
    return kubectl(this.adminKubeconfig, [...args, `--namespace=${namespace}`], options);
  }

  helloWorld(namespace: string, name: string): Promise<HelloWorld> {
    return this.cluster.admin.resource(HelloWorld).get(name, { namespace });
  }

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.cluster.admin
      .resource(ConfigMap)
      .get(name, { namespace })
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
  }

  async events(namespace: string, name: string): Promise<EventObject[]> {
    const list = await this.cluster.admin.request<{ items: EventObject[] }>({
      path: `/apis/events.k8s.io/v1/namespaces/${namespace}/events`,
    });
    return list.items.filter((e) => e.regarding.kind === 'HelloWorld' && e.regarding.name === name);
  }

  /** Wait until an event of `type`/`reason` about the HelloWorld `name` is recorded; resolves with it. */
  event(namespace: string, name: string, type: 'Normal' | 'Warning', reason: string, timeoutMs = 20_000): Promise<EventObject> {
    return eventually(
      `a ${type} ${reason} event about HelloWorld ${name}`,
      async () => (await this.events(namespace, name)).find((e) => e.type === type && e.reason === reason),
      { timeoutMs: timeoutMs },
    );
  }

  /** Wait until the HelloWorld's Ready condition matches and describes its current generation. */
  ready(
    namespace: string,
    name: string,
    want: { status: Condition['status']; reason?: string },
    timeoutMs = 30_000,
  ): Promise<{ object: HelloWorld; condition: Condition }> {
    return eventually(
      `HelloWorld ${namespace}/${name} to be Ready=${want.status}${want.reason ? ` (${want.reason})` : ''} at its generation`,
      async () => {
        const object = await this.helloWorld(namespace, name);
        const condition = readyCondition(object);
        const current =
          object.status?.observedGeneration === object.metadata.generation && condition?.observedGeneration === object.metadata.generation;
        return current && condition?.status === want.status && (want.reason === undefined || condition.reason === want.reason)
          ? { object, condition }
          : undefined;
      },
      { timeoutMs: timeoutMs },
    );
  }
}

export function readyCondition(object: HelloWorld): Condition | undefined {
  return object.status?.conditions?.find((c) => c.type === 'Ready');
}
