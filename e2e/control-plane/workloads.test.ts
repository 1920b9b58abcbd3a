// The real deployment, replicaset and endpointslice controllers of the shared control plane, with the fake
// kubelet of capstan/testing in place of a scheduler and a kubelet: what an operator that creates Deployments
// and Services sees in a real cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineKind, type KubeObject } from '../../src/core/index.ts';
import { createNamespace, deleteNamespace, eventually, startFakeKubelet } from '../../src/testing/index.ts';
import { sharedCluster } from '../support/cluster.ts';

interface Condition {
  type: string;
  status: string;
}
interface Deployment extends KubeObject {
  spec: Record<string, unknown> & { replicas: number };
  status?: { replicas?: number; readyReplicas?: number; conditions?: Condition[] };
}
interface Pod extends KubeObject {
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string; conditions?: Condition[] };
}
interface EndpointSlice extends KubeObject {
  endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { name?: string } }>;
}
const Deployment = defineKind<Deployment>({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true });
const ReplicaSet = defineKind<KubeObject>({ group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true });
const Pod = defineKind<Pod>({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true });
const Service = defineKind<KubeObject & { spec: Record<string, unknown> }>({
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  namespaced: true,
});
const EndpointSlice = defineKind<EndpointSlice>({
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
});

const labels = { 'app.kubernetes.io/name': 'web' };
const isTrue = (conditions: Condition[] | undefined, type: string) => conditions?.some((c) => c.type === type && c.status === 'True');

test('a Deployment and its Service become ready with the fake kubelet, and scale', { timeout: 240_000 }, async (t) => {
  const cluster = await sharedCluster();
  const { admin } = cluster;
  const namespace = await createNamespace(cluster, 'workloads', t);
  const kubelet = await startFakeKubelet(cluster, { namespace, t });
  const describe = () =>
    `${kubelet.describe()}\n(the cluster must run kube-controller-manager's deployment, replicaset and endpointslice ` +
    'controllers: `npm test` and e2e/support/cluster.ts start it so; a `capstan control-plane up` needs ' +
    '`--controllers=deployment,replicaset,endpointslice`)';

  await admin.resource(Deployment).create({
    metadata: { name: 'web', namespace, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } },
    },
  });
  await admin.resource(Service).create({
    metadata: { name: 'web', namespace },
    spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] },
  });

  await eventually(
    'a ReplicaSet of the Deployment',
    async () => (await admin.resource(ReplicaSet).list({ namespace })).items.length === 1,
    {
      timeoutMs: 60_000,
      describe,
    },
  );
  const pods = await eventually(
    '2 Pods Running and Ready on the fake node',
    async () => {
      const { items } = await admin.resource(Pod).list({ namespace });
      const running = items.filter((p) => p.status?.phase === 'Running' && isTrue(p.status.conditions, 'Ready'));
      return items.length === 2 && running.length === 2 ? items : undefined;
    },
    { timeoutMs: 60_000, describe },
  );
  assert.deepEqual(
    pods.map((p) => p.spec?.nodeName),
    [kubelet.nodeName, kubelet.nodeName],
  );
  assert.equal(new Set(pods.map((p) => p.status?.podIP)).size, 2, 'each Pod has an address of its own');

  await eventually(
    'the deployment controller to report 2 ready replicas and Available=True',
    async () => {
      const d = await admin.resource(Deployment).get('web', { namespace });
      return d.status?.readyReplicas === 2 && isTrue(d.status.conditions, 'Available');
    },
    { timeoutMs: 60_000, describe },
  );
  const readyEndpoints = async () => {
    const slices = await admin.resource(EndpointSlice).list({ namespace, labelSelector: 'kubernetes.io/service-name=web' });
    return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
  };
  const endpoints = await eventually(
    'an EndpointSlice of the Service with 2 ready endpoints',
    async () => {
      const ready = await readyEndpoints();
      return ready.length === 2 ? ready : undefined;
    },
    { timeoutMs: 60_000, describe },
  );
  assert.deepEqual(endpoints.flatMap((e) => e.addresses).sort(), pods.map((p) => p.status?.podIP).sort());

  await admin.resource(Deployment).mergePatch('web', { spec: { replicas: 3 } }, { namespace });
  await eventually(
    'the Deployment scaled to 3 ready replicas, and 3 ready endpoints',
    async () => {
      const d = await admin.resource(Deployment).get('web', { namespace });
      return d.status?.readyReplicas === 3 && (await readyEndpoints()).length === 3;
    },
    { timeoutMs: 60_000, describe },
  );

  // The replicaset controller deletes Pods gracefully: without a kubelet to finish that, they stay Terminating.
  await admin.resource(Deployment).mergePatch('web', { spec: { replicas: 1 } }, { namespace });
  await eventually(
    'the Deployment scaled down to 1, the other 2 Pods gone',
    async () => {
      const d = await admin.resource(Deployment).get('web', { namespace });
      return d.status?.replicas === 1 && (await admin.resource(Pod).list({ namespace })).items.length === 1;
    },
    { timeoutMs: 60_000, describe },
  );

  // Stopping the fake kubelet deletes the Pods left on its node, so that their namespace can still go.
  await kubelet.stop();
  await deleteNamespace(cluster, namespace, { timeoutMs: 60_000 });
});
