import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { CustomResourceDefinition } from '../../src/crd/index.ts';
import { contractCrd } from '../../src/testing/fake-api-server/contract.ts';
import type { Cluster, ControlPlaneOptions } from '../../src/testing/index.ts';
import { widgetCrd, widgetGroups, widgetKind } from '../fixtures/widget-operator.ts';

/** The HelloWorld CRD of the reference operator, as its project has it. */
export const helloWorldCrds = new URL('../../examples/hello-world/config/crd', import.meta.url).pathname;

/** The WebApp CRD of the second example. */
export const webAppCrds = new URL('../../examples/web-app/config/crd', import.meta.url).pathname;

/**
 * The CronJob CRD of examples/cronjob, its conversion set to None: a webhook the shared control plane could not
 * reach would block garbage collection and namespace deletion. e2e/cronjob/operator.test.ts points it at its own
 * operator while that runs, and sets None again before stopping it.
 */
export function cronJobCrd(): CustomResourceDefinition {
  const file = new URL('../../examples/cronjob/config/crd/cronjobs.batch.tutorial.kubebuilder.io.yaml', import.meta.url);
  const crd = parse(readFileSync(file, 'utf8')) as CustomResourceDefinition;
  const { conversion: _webhook, ...spec } = crd.spec;
  return { ...crd, spec }; // no spec.conversion: strategy None
}

/**
 * The CRDs the control plane the suites share starts with (scripts/test.ts, or a file run on its own): the
 * kinds whose suites run operators, so that none of them waits for the garbage collector's and admission's
 * 30 s discovery rereads. A test about a kind installed later (wait-for-kind, garbage-collection, crd/*)
 * installs its own, in a group of its own.
 */
export function sharedCrds(): NonNullable<ControlPlaneOptions['crds']> {
  return [
    helloWorldCrds,
    webAppCrds,
    cronJobCrd(),
    contractCrd,
    ...Object.values(widgetGroups).map((group) => widgetCrd(widgetKind(group))),
  ];
}

/** Install a minimal namespaced CRD `<plural>.<group>` (version v1) whose spec takes anything. */
export async function installTestCrd(cluster: Cluster, group: string, kind: string): Promise<{ plural: string }> {
  await cluster.admin.request({
    method: 'POST',
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    body: testCrd(group, kind),
  });
  return { plural: `${kind.toLowerCase()}s` };
}

/** That CRD (for `startControlPlane({ crds })`). */
export function testCrd(group: string, kind: string): CustomResourceDefinition {
  const plural = `${kind.toLowerCase()}s`;
  return {
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
  };
}
