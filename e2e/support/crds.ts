import type { Cluster } from '../../src/testing/index.ts';

/** Install a minimal namespaced CRD `<plural>.<group>` (version v1) whose spec takes anything. */
export async function installTestCrd(cluster: Cluster, group: string, kind: string): Promise<{ plural: string }> {
  const plural = `${kind.toLowerCase()}s`;
  await cluster.admin.request({
    method: 'POST',
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    body: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
            },
          },
        ],
      },
    },
  });
  return { plural };
}
