// The contract of capstan/testing's in-memory API server, run on the real control plane: the same cases as
// src/testing/fake-api-server/contract.test.ts runs on the fake, so that where the two answer differently, this
// file (the real kube-apiserver, etcd and garbage collector) says which is right. Each case gets a namespace of its
// own; the HelloWorld CRD is one the shared control plane serves.
import { fakeApiServerContract } from '../../src/testing/fake-api-server/contract.ts';
import { createNamespace } from '../../src/testing/index.ts';
import { sharedCluster } from '../support/cluster.ts';

const cluster = await sharedCluster();

fakeApiServerContract('kube-apiserver keeps the contract the fake API server is held to', async (t) => ({
  client: cluster.admin,
  namespace: await createNamespace(cluster, 'fake-contract', t),
}));
