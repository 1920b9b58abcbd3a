// The objects the harness reads and writes, described for Capstan's client (the harness's transport; the
// peers under test use their own). The CRD itself is examples/hello-world/config/crd, installed as is.
import { type Condition, defineKind, type KubeObject } from '../../src/core/index.ts';

export interface HelloWorld extends KubeObject {
  spec: { name: string };
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

export const HelloWorld = defineKind<HelloWorld>({
  group: 'apps.example.com',
  version: 'v1alpha1',
  kind: 'HelloWorld',
  plural: 'helloworlds',
  namespaced: true,
});

/** The label every peer puts on its ConfigMaps (and caches ConfigMaps by). */
export const managedBy = 'hello-world-operator';

/** Ready=True at the current generation: what the independent watcher waits for. */
export function isReady(hw: HelloWorld): boolean {
  const ready = hw.status?.conditions?.find((c) => c.type === 'Ready');
  return hw.status?.observedGeneration === hw.metadata.generation && ready?.status === 'True';
}
