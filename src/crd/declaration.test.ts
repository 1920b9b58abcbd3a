import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { customResource, isCustomResource } from './declaration.ts';
import { assertRefused } from './test-support.ts';

const base = { group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld' } as const;

describe('customResource', () => {
  test("fills Kubebuilder's default names and is a Kind (group, version, plural, namespaced)", () => {
    const hw = customResource({ ...base, spec: Type.Object({ name: Type.String() }) });
    assert.deepEqual(
      { group: hw.group, version: hw.version, kind: hw.kind, plural: hw.plural, namespaced: hw.namespaced, apiVersion: hw.apiVersion },
      {
        group: 'apps.example.com',
        version: 'v1alpha1',
        kind: 'HelloWorld',
        plural: 'helloworlds',
        namespaced: true,
        apiVersion: 'apps.example.com/v1alpha1',
      },
    );
    assert.deepEqual(hw.names, { kind: 'HelloWorld', listKind: 'HelloWorldList', plural: 'helloworlds', singular: 'helloworld' });
    assert.ok(Object.isFrozen(hw));
    assert.ok(isCustomResource(hw));
    assert.equal(isCustomResource({ ...hw }), false, 'a copy is not a declaration');
    assert.equal(isCustomResource(null), false);
  });

  test('plurals follow English endings', () => {
    const plural = (kind: string): string => customResource({ ...base, kind, spec: Type.Object({}) }).plural;
    assert.deepEqual(['Policy', 'Box', 'Ingress', 'Key', 'Gateway'].map(plural), ['policies', 'boxes', 'ingresses', 'keys', 'gateways']);
  });

  test('the root schema has apiVersion, kind and metadata, and spec is required when it has required fields', () => {
    const hw = customResource({ ...base, description: 'Says hello', spec: Type.Object({ name: Type.String() }) });
    assert.equal(hw.schema.description, 'Says hello');
    assert.deepEqual(Object.keys(hw.schema.properties ?? {}), ['apiVersion', 'kind', 'metadata', 'spec']);
    assert.deepEqual(hw.schema.properties?.['metadata'], { type: 'object' });
    assert.deepEqual(hw.schema.required, ['spec']);
    assert.equal(hw.schema.properties?.['spec']?.default, undefined);
  });

  test('a spec with no required fields defaults to {} instead, so the object always has one', () => {
    const cfg = customResource({ ...base, spec: Type.Object({ level: Type.Optional(Type.Integer({ default: 3 })) }) });
    assert.equal(cfg.schema.required, undefined);
    assert.deepEqual(cfg.schema.properties?.['spec']?.default, {});
  });

  test('a status schema enables the status subresource; scale needs integer replica fields', () => {
    const spec = Type.Object({ replicas: Type.Integer() });
    const status = Type.Object({ replicas: Type.Optional(Type.Integer()), selector: Type.Optional(Type.String()) });
    const scaled = customResource({
      ...base,
      spec,
      status,
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
    assert.deepEqual(scaled.subresources, {
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
    assert.deepEqual(customResource({ ...base, spec }).subresources, {});
    assertRefused(
      () => customResource({ ...base, spec, status, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.replicas' } }),
      'DECLARATION',
      'scale.specReplicasPath',
      '.spec.size names no field',
    );
    assertRefused(
      () =>
        customResource({ ...base, spec, status, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.selector' } }),
      'DECLARATION',
      'scale.statusReplicasPath',
      'must be an integer field',
    );
  });

  test('printer columns must name fields of the schema', () => {
    const spec = Type.Object({ name: Type.String(), ports: Type.Array(Type.Object({ port: Type.Integer() })) });
    const ok = customResource({
      ...base,
      spec,
      printerColumns: [
        { name: 'Name', type: 'string', jsonPath: '.spec.name' },
        { name: 'Port', type: 'integer', jsonPath: '.spec.ports[0].port', priority: 1 },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    });
    assert.equal(ok.printerColumns.length, 3);
    assertRefused(
      () => customResource({ ...base, spec, printerColumns: [{ name: 'Msg', type: 'string', jsonPath: '.spec.message' }] }),
      'PRINTER_COLUMN',
      'printerColumns[0].jsonPath',
      '.spec.message names no field',
    );
    assertRefused(
      () => customResource({ ...base, spec, printerColumns: [{ name: 'A', type: 'string', jsonPath: 'spec.name' }] }),
      'PRINTER_COLUMN',
      'printerColumns[0].jsonPath',
      'starting with "."',
    );
    assertRefused(
      () =>
        customResource({
          ...base,
          spec,
          printerColumns: [
            { name: 'A', type: 'string', jsonPath: '.spec.name' },
            { name: 'A', type: 'string', jsonPath: '.spec.name' },
          ],
        }),
      'PRINTER_COLUMN',
      'printerColumns[1]',
      'used twice',
    );
    assertRefused(
      () => customResource({ ...base, spec, printerColumns: [{ name: 'A', type: 'text' as 'string', jsonPath: '.spec.name' }] }),
      'PRINTER_COLUMN',
      'printerColumns[0]',
      'type "text"',
    );
  });

  test('names the API server would refuse', () => {
    const spec = Type.Object({});
    assertRefused(() => customResource({ ...base, group: 'example', spec }), 'DECLARATION', 'group', 'at least one dot');
    assertRefused(() => customResource({ ...base, group: 'Apps.example.com', spec }), 'DECLARATION', 'group');
    assertRefused(() => customResource({ ...base, version: 'V1', spec }), 'DECLARATION', 'version', 'lower-case');
    assertRefused(() => customResource({ ...base, kind: 'helloWorld', spec }), 'DECLARATION', 'kind', 'CamelCase');
    assertRefused(() => customResource({ ...base, plural: 'Hello_Worlds', spec }), 'DECLARATION', 'plural');
    assertRefused(() => customResource({ ...base, shortNames: ['hw', 'hw'], spec }), 'DECLARATION', 'shortNames', 'duplicates');
    assertRefused(() => customResource({ ...base, shortNames: ['helloworlds'], spec }), 'DECLARATION', 'shortNames', 'must differ');
    assertRefused(() => customResource({ ...base, scope: 'Global' as 'Cluster', spec }), 'DECLARATION', 'scope');
  });

  test('spec and status must be objects; their errors carry their paths', () => {
    assertRefused(() => customResource({ ...base, spec: Type.String() }), 'DECLARATION', 'spec', 'must be an object schema');
    assertRefused(
      () => customResource({ ...base, spec: Type.Object({}), status: Type.Array(Type.String()) }),
      'DECLARATION',
      'status',
      'must be an object schema',
    );
    assertRefused(
      () => customResource({ ...base, spec: Type.Object({}), status: Type.Object({ when: Type.Unknown() }) }),
      'MISSING_TYPE',
      'status.when',
    );
  });

  test('rules on the whole object see metadata, spec and status', () => {
    const limited = customResource({
      ...base,
      spec: Type.Object({ name: Type.String({ maxLength: 10 }) }),
      validations: [{ rule: 'self.metadata.name.size() <= 20 && self.spec.name != self.metadata.name', message: 'name clash' }],
    });
    assert.deepEqual(limited.schema['x-kubernetes-validations'], [
      { rule: 'self.metadata.name.size() <= 20 && self.spec.name != self.metadata.name', message: 'name clash' },
    ]);
    assertRefused(
      () => customResource({ ...base, spec: Type.Object({}), validations: [{ rule: 'self.status.ready' }] }),
      'VALIDATION_RULE',
      'x-kubernetes-validations[0]',
      'refers to status',
    );
  });
});
