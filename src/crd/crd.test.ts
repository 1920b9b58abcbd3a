import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { parseAllDocuments } from 'yaml';
import { crdFor, crdsFor, crdYaml } from './crd.ts';
import { customResource } from './declaration.ts';
import { assertRefused } from './test-support.ts';

const spec = Type.Object({ size: Type.Integer({ minimum: 1, maximum: 10 }) });
const status = Type.Object({ ready: Type.Optional(Type.Boolean()) });
const widget = (version: string, more: { storage?: boolean; deprecated?: boolean; deprecationWarning?: string } = {}) =>
  customResource({ group: 'example.com', version, kind: 'Widget', shortNames: ['wd'], categories: ['all'], spec, status, ...more });

describe('crdFor', () => {
  test('one declaration: the whole CustomResourceDefinition', () => {
    const crd = crdFor(
      customResource({
        group: 'example.com',
        version: 'v1',
        kind: 'Widget',
        scope: 'Cluster',
        spec,
        status,
        printerColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      }),
    );
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.deepEqual(crd.metadata, { name: 'widgets.example.com' });
    assert.equal(crd.spec.scope, 'Cluster');
    assert.deepEqual(crd.spec.names, { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' });
    const [version] = crd.spec.versions;
    assert.equal(crd.spec.versions.length, 1);
    assert.deepEqual(
      { ...version, schema: undefined },
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: undefined,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      },
    );
    assert.deepEqual(version?.schema.openAPIV3Schema.properties?.['spec'], {
      type: 'object',
      properties: { size: { type: 'integer', minimum: 1, maximum: 10 } },
      required: ['size'],
    });
  });

  test('several versions with one schema: one CRD, one of them stored', () => {
    const crd = crdFor([widget('v1'), widget('v1beta1', { storage: false, deprecated: true, deprecationWarning: 'use v1' })]);
    assert.deepEqual(
      crd.spec.versions.map((v) => [v.name, v.served, v.storage, v.deprecated, v.deprecationWarning]),
      [
        ['v1', true, true, undefined, undefined],
        ['v1beta1', true, false, true, 'use v1'],
      ],
    );
  });

  test('versions with different schemas are refused: they would need a conversion webhook', () => {
    const v2 = customResource({
      group: 'example.com',
      version: 'v2',
      kind: 'Widget',
      shortNames: ['wd'],
      categories: ['all'],
      spec: Type.Object({ size: Type.String() }),
      status,
      storage: false,
    });
    assertRefused(
      () => crdFor([widget('v1'), v2]),
      'VERSION_SCHEMAS_DIFFER',
      'widgets.example.com v2',
      'conversion webhook',
      'conversion(Hub).spoke(Spoke, { toHub, fromHub }) of capstan/webhook',
      'same schema',
    );
  });

  test('versions with different schemas and a conversion webhook: spec.conversion is written', () => {
    const v2 = customResource({
      group: 'example.com',
      version: 'v2',
      kind: 'Widget',
      shortNames: ['wd'],
      categories: ['all'],
      spec: Type.Object({ replicas: Type.Integer() }),
      status,
    });
    const clientConfig = { service: { namespace: 'ops', name: 'widget-webhooks', path: '/convert', port: 443 }, caBundle: 'Q0E=' };
    const crd = crdFor([widget('v1', { storage: false }), v2], { conversion: { clientConfig } });
    assert.deepEqual(crd.spec.conversion, { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig } });
    assert.deepEqual(
      crd.spec.versions.map((v) => Object.keys(v.schema.openAPIV3Schema.properties?.['spec']?.properties ?? {})),
      [['size'], ['replicas']],
    );
    const byUrl = crdFor(widget('v1'), { conversion: { clientConfig: { url: 'https://127.0.0.1:9443/convert' } } });
    assert.deepEqual(byUrl.spec.conversion?.webhook.clientConfig, { url: 'https://127.0.0.1:9443/convert' });
  });

  test('crdsFor and crdYaml take the conversion webhook of each CRD by name', () => {
    const gadget = customResource({ group: 'example.com', version: 'v1', kind: 'Gadget', spec });
    const v2 = customResource({
      group: 'example.com',
      version: 'v2',
      kind: 'Widget',
      shortNames: ['wd'],
      categories: ['all'],
      spec: Type.Object({ replicas: Type.Integer() }),
      status,
      storage: false,
    });
    const options = {
      conversion: (name: string) =>
        name === 'widgets.example.com' ? { clientConfig: { url: 'https://hooks.example.com/convert' } } : undefined,
    };
    const crds = crdsFor([widget('v1'), v2, gadget], options);
    assert.deepEqual(
      crds.map((c) => [c.metadata.name, c.spec.conversion?.strategy]),
      [
        ['widgets.example.com', 'Webhook'],
        ['gadgets.example.com', undefined],
      ],
    );
    assert.match(
      crdYaml([widget('v1'), v2], options),
      /\n {2}conversion:\n {4}strategy: Webhook\n {4}webhook:\n {6}conversionReviewVersions:\n {8}- v1\n {6}clientConfig:\n {8}url: https:\/\/hooks\.example\.com\/convert\n/,
    );
    // A function that gives no webhook for a CRD: its versions must agree, as without the option.
    assertRefused(() => crdsFor([widget('v1'), v2], { conversion: () => undefined }), 'VERSION_SCHEMAS_DIFFER', 'widgets.example.com v2');
  });

  test('versions must agree on names and scope, and exactly one is stored', () => {
    const other = customResource({ group: 'example.com', version: 'v2', kind: 'Widget', spec, status, storage: false });
    assertRefused(() => crdFor([widget('v1'), other]), 'VERSIONS', 'widgets.example.com v2', 'group, names or scope');
    assertRefused(
      () => crdFor([widget('v1'), widget('v2')]),
      'VERSIONS',
      'widgets.example.com',
      'exactly one version must have storage: true (found 2: v1, v2)',
    );
    assertRefused(() => crdFor([widget('v1', { storage: false })]), 'VERSIONS', 'widgets.example.com', 'found 0');
    assertRefused(() => crdFor([widget('v1'), widget('v1')]), 'VERSIONS', 'widgets.example.com v1', 'declared twice');
    assertRefused(() => crdFor([]), 'VERSIONS', 'versions', 'at least one');
  });
});

describe('crdsFor and crdYaml', () => {
  test('declarations are grouped into one CRD per kind, in order of appearance', () => {
    const gadget = customResource({ group: 'example.com', version: 'v1', kind: 'Gadget', spec });
    const crds = crdsFor([widget('v1'), gadget, widget('v1beta1', { storage: false })]);
    assert.deepEqual(
      crds.map((c) => [c.metadata.name, c.spec.versions.map((v) => v.name)]),
      [
        ['widgets.example.com', ['v1', 'v1beta1']],
        ['gadgets.example.com', ['v1']],
      ],
    );
  });

  test('YAML: one document per CRD, parsing back to the same objects, the same text every time', () => {
    const gadget = customResource({
      group: 'example.com',
      version: 'v1',
      kind: 'Gadget',
      spec,
      description: 'A long description that must stay on one line so that diffs of generated files stay readable when it changes',
    });
    const text = crdYaml([widget('v1'), gadget]);
    const documents = parseAllDocuments(text).map((d) => d.toJS() as unknown);
    assert.deepEqual(documents, crdsFor([widget('v1'), gadget]));
    assert.equal(crdYaml([widget('v1'), gadget]), text);
    assert.match(text, /^apiVersion: apiextensions\.k8s\.io\/v1\nkind: CustomResourceDefinition\n/);
    assert.match(text, /\n---\napiVersion/);
    assert.match(text, /description: A long description .* when it changes\n/);
  });
});
