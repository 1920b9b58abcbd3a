// DESIGN.md's reference CRD, exactly: helloworlds.apps.example.com, v1alpha1, namespaced, spec.name
// required and bounded, a status subresource with observedGeneration and conditions, printer columns
// Message, Ready and Age, short name hw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Type from 'typebox';
import { parse } from 'yaml';
import { Conditions } from './conditions.ts';
import { crdFor, crdYaml } from './crd.ts';
import { customResource } from './declaration.ts';

const HelloWorld = customResource({
  group: 'apps.example.com',
  version: 'v1alpha1',
  kind: 'HelloWorld',
  scope: 'Namespaced',
  shortNames: ['hw'],
  spec: Type.Object({ name: Type.String({ minLength: 1, maxLength: 253, description: 'The message to publish' }) }),
  status: Type.Object({
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    conditions: Type.Optional(Conditions()),
  }),
  printerColumns: [
    { name: 'Message', type: 'string', jsonPath: '.spec.name' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

test('the HelloWorld CRD of DESIGN.md is expressible', () => {
  const crd = crdFor(HelloWorld);
  assert.equal(crd.metadata.name, 'helloworlds.apps.example.com');
  assert.deepEqual(crd.spec.names, {
    kind: 'HelloWorld',
    listKind: 'HelloWorldList',
    plural: 'helloworlds',
    singular: 'helloworld',
    shortNames: ['hw'],
  });
  assert.equal(crd.spec.scope, 'Namespaced');
  const [version] = crd.spec.versions;
  assert.equal(version?.name, 'v1alpha1');
  assert.deepEqual(version?.subresources, { status: {} });
  assert.deepEqual(
    version?.additionalPrinterColumns?.map((c) => c.name),
    ['Message', 'Ready', 'Age'],
  );
  const root = version?.schema.openAPIV3Schema;
  assert.deepEqual(root?.required, ['spec']);
  assert.deepEqual(root?.properties?.['spec'], {
    type: 'object',
    properties: { name: { description: 'The message to publish', type: 'string', minLength: 1, maxLength: 253 } },
    required: ['name'],
  });
  const conditions = root?.properties?.['status']?.properties?.['conditions'];
  assert.equal(conditions?.['x-kubernetes-list-type'], 'map');
  assert.deepEqual(conditions?.['x-kubernetes-list-map-keys'], ['type']);
  assert.deepEqual(parse(crdYaml(HelloWorld)), crd);
});

test('the conditions schema is metav1.Condition, field for field', () => {
  const item = crdFor(HelloWorld).spec.versions[0]?.schema.openAPIV3Schema.properties?.['status']?.properties?.['conditions']?.items;
  assert.deepEqual(item?.required, ['type', 'status', 'lastTransitionTime', 'reason', 'message']);
  const p = item?.properties ?? {};
  assert.deepEqual(Object.keys(p), ['type', 'status', 'observedGeneration', 'lastTransitionTime', 'reason', 'message']);
  assert.equal(p['type']?.maxLength, 316);
  assert.equal(
    p['type']?.pattern,
    '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
  );
  assert.deepEqual([p['status']?.type, p['status']?.enum], ['string', ['True', 'False', 'Unknown']]);
  assert.deepEqual(
    [p['observedGeneration']?.type, p['observedGeneration']?.format, p['observedGeneration']?.minimum],
    ['integer', 'int64', 0],
  );
  assert.deepEqual([p['lastTransitionTime']?.type, p['lastTransitionTime']?.format], ['string', 'date-time']);
  assert.deepEqual(
    [p['reason']?.minLength, p['reason']?.maxLength, p['reason']?.pattern],
    [1, 1024, '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'],
  );
  assert.equal(p['message']?.maxLength, 32768);
});
