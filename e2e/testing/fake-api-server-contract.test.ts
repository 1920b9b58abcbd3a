// The contract of capstan/testing's in-memory API server, run on the real control plane: the same cases as
// src/testing/fake-api-server/contract.test.ts runs on the fake, so that where the two answer differently, this
// file (the real kube-apiserver, etcd and garbage collector) says which is right. Each case gets a namespace of its
// own; the contract's HelloWorld has a CRD of its own group (contractCrd, among the shared control plane's CRDs), so
// that no other suite depends on it or removes it. The shared control plane keeps its watch cache, which serves an old
// resourceVersion from its window: the compaction case runs on a control plane of its own without it (and with no
// compaction but the test's), where a watch from a compacted resourceVersion gets 410.
import { after, before } from 'node:test';
import { contractCrd, fakeApiServerContract } from '../../src/testing/fake-api-server/contract.ts';
import { type ControlPlane, createNamespace, startControlPlane } from '../../src/testing/index.ts';
import { sharedCluster } from '../support/cluster.ts';

const cluster = await sharedCluster();

fakeApiServerContract(
  'kube-apiserver keeps the contract the fake API server is held to',
  async (t) => ({ client: cluster.admin, namespace: await createNamespace(cluster, 'fake-contract', t) }),
  { cases: 'without compaction' },
);

let uncached: ControlPlane;
before(async () => {
  uncached = await startControlPlane({ crds: [contractCrd], apiServerFlags: ['--watch-cache=false', '--etcd-compaction-interval=0'] });
});
after(async () => {
  await uncached?.stop();
});

fakeApiServerContract(
  'kube-apiserver without its watch cache keeps the compaction contract',
  async (t) => ({
    client: uncached.admin,
    namespace: await createNamespace(uncached, 'fake-contract', t),
    compact: async () => {
      await uncached.compactEtcd();
    },
  }),
  { cases: 'compaction only' },
);
