import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineKind, type KubeObject } from '../core/index.ts';
import { WebhookError } from './admission.ts';
import { conversion, isConversionDefinition } from './conversion.ts';
import { type ConversionReview, convertReview, crdConversions } from './conversion-review.ts';
import { widgetConversion, WidgetV1, WidgetV2, WidgetV3, widgetV1, widgetV2 } from './test-support.ts';

const annotation = 'example.com/conversion-data';
const dataOf = (object: KubeObject): unknown => JSON.parse(object.metadata.annotations?.[annotation] ?? 'null');
const v1 = 'example.com/v1';
const v2 = 'example.com/v2';
const v3 = 'example.com/v3';

describe('conversion', () => {
  test('v1 → v2: the functions convert spec and status; metadata is copied, apiVersion set', () => {
    const object = widgetV1({ image: 'nginx:1.27', replicas: 2 }, { status: { ready: true } });
    const converted = widgetConversion.convert(object, v2);
    assert.deepEqual(converted, {
      apiVersion: v2,
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'ns', uid: 'uid-1', resourceVersion: '7' },
      spec: { repository: 'nginx', tag: '1.27', replicas: 2 },
      status: { ready: true },
    });
    assert.deepEqual(object.spec, { image: 'nginx:1.27', replicas: 2 }, 'the object converted is not changed');
  });

  test('an object already in the desired version is returned as it is', () => {
    const object = widgetV1({ image: 'a:b', replicas: 1 });
    assert.equal(widgetConversion.convert(object, v1), object);
  });

  test('a field only v1 has is kept in the annotation, and comes back in v1 after a write in v2', () => {
    const written = widgetV1(
      { image: 'nginx:1.27', replicas: 2, note: 'keep me' },
      {
        metadata: { name: 'w', annotations: { team: 'web' } },
      },
    );
    const stored = widgetConversion.convert(written, v2) as WidgetV2;
    assert.deepEqual(dataOf(stored), { v1: { spec: { note: 'keep me' } } });
    assert.equal(stored.metadata.annotations?.['team'], 'web');
    // Updated in v2 (the annotation comes along, as kubectl edit or a merge patch keeps it), read in v1.
    const updated: WidgetV2 = { ...stored, spec: { ...stored.spec, replicas: 5 } };
    const read = widgetConversion.convert(updated, v1) as WidgetV1;
    assert.deepEqual(read.spec, { image: 'nginx:1.27', replicas: 5, note: 'keep me' });
    assert.deepEqual(read.metadata.annotations, { team: 'web' }, 'the entry is removed once restored, and the annotation with it');
  });

  test('fields only v2 has survive a round trip through v1, edits in v1 included', () => {
    const stored = widgetV2({ repository: 'nginx', tag: '1.27', replicas: 2, paused: true }, { status: { ready: false, phase: 'Paused' } });
    const read = widgetConversion.convert(stored, v1) as WidgetV1;
    assert.deepEqual(read.spec, { image: 'nginx:1.27', replicas: 2 });
    assert.deepEqual(read.status, { ready: false });
    assert.deepEqual(dataOf(read), { v2: { spec: { paused: true }, status: { phase: 'Paused' } } });
    const edited: WidgetV1 = { ...read, spec: { ...read.spec, image: 'nginx:1.28' } };
    const back = widgetConversion.convert(edited, v2) as WidgetV2;
    assert.deepEqual(back.spec, { repository: 'nginx', tag: '1.28', replicas: 2, paused: true });
    assert.deepEqual(back.status, { ready: false, phase: 'Paused' });
    assert.equal(back.metadata.annotations, undefined);
  });

  test('stale data: a field removed in v1 stays removed; what a conversion produces is never overwritten', () => {
    const first = widgetConversion.convert(widgetV1({ image: 'a:1', replicas: 1, note: 'old' }), v2) as WidgetV2;
    const read = widgetConversion.convert(first, v1) as WidgetV1;
    const { note: _removed, ...withoutNote } = read.spec;
    // Written in v1 with the note removed, but still carrying an entry for v1 (say, copied from an older read).
    const rewritten: WidgetV1 = {
      ...read,
      metadata: { ...read.metadata, annotations: { [annotation]: JSON.stringify({ v1: { spec: { note: 'old' } } }) } },
      spec: withoutNote,
    };
    const stored = widgetConversion.convert(rewritten, v2);
    assert.equal(stored.metadata.annotations, undefined, 'converting from v1 replaces v1’s entry with what v1 has now');
    // An entry for the target version never overwrites what the conversion produced.
    const withStale = widgetV1(
      { image: 'b:2', replicas: 3 },
      { metadata: { name: 'w', annotations: { [annotation]: JSON.stringify({ v2: { spec: { tag: 'stale', paused: false } } }) } } },
    );
    assert.deepEqual((widgetConversion.convert(withStale, v2) as WidgetV2).spec, { repository: 'b', tag: '2', replicas: 3, paused: false });
  });

  test('an annotation that is not Capstan’s JSON is treated as absent, and replaced', () => {
    const object = widgetV1(
      { image: 'a:1', replicas: 1, note: 'n' },
      { metadata: { name: 'w', annotations: { [annotation]: '{not json' } } },
    );
    assert.deepEqual(dataOf(widgetConversion.convert(object, v2)), { v1: { spec: { note: 'n' } } });
  });

  test('spoke to spoke goes through the hub, and back', () => {
    const object = widgetV1({ image: 'nginx:1.27', replicas: 4, note: 'v1 only' });
    const inV3 = widgetConversion.convert(object, v3) as WidgetV3;
    assert.equal(inV3.apiVersion, v3);
    assert.deepEqual(inV3.spec, { image: { repository: 'nginx', tag: '1.27' }, scale: { replicas: 4 } });
    assert.deepEqual(widgetConversion.convert(inV3, v1), object);
  });

  test('errors name the object, the versions and what to do', () => {
    const throwing = conversion(WidgetV3).spoke(WidgetV1, {
      toHub: () => {
        throw new Error('image has no tag');
      },
      fromHub: () => ({ spec: { image: 'x:y', replicas: 1 } }),
    });
    assert.throws(() => throwing.convert(widgetV1({ image: 'x', replicas: 1 }), v3), {
      name: 'ConversionError',
      code: 'CONVERSION_FAILED',
      message:
        'converting Widget ns/w from example.com/v1 to example.com/v3 failed at v1 → v3: the conversion function threw: image has no tag',
    });
    assert.throws(
      () => throwing.convert(widgetV1({ image: 'x', replicas: 1 }), v2),
      /no conversion for version v2 is declared \(known: v3, v1\)/,
    );
    const careless = conversion(WidgetV2).spoke(WidgetV1, {
      toHub: () => undefined as never,
      fromHub: () => ({ spec: { image: 'a:b', replicas: 1 } }),
    });
    assert.throws(() => careless.convert(widgetV1({ image: 'x:y', replicas: 1 }), v2), {
      name: 'ConversionError',
      message:
        'converting Widget ns/w from example.com/v1 to example.com/v2 failed at v1 → v2: the conversion function to v2 returned undefined, not { spec, status }',
    });
    assert.throws(
      () => widgetConversion.convert({ ...widgetV1({ image: 'x', replicas: 1 }), kind: 'Gadget' }, v2),
      /for Widget\.example\.com only/,
    );
  });

  test('a spoke must be another version of the hub’s kind, declared once', () => {
    const Gadget = defineKind<KubeObject & { spec: object }>({
      group: 'example.com',
      version: 'v1',
      kind: 'Gadget',
      plural: 'gadgets',
      namespaced: true,
    });
    const identity = { toHub: () => ({ spec: {} }), fromHub: () => ({ spec: {} }) };
    assert.throws(
      () => conversion(Gadget).spoke(WidgetV1, identity as never),
      (err: unknown) => err instanceof WebhookError && /another version of the hub's kind/.test(err.message),
    );
    assert.throws(() => widgetConversion.spoke(WidgetV1, identity as never), /version v1 is declared already/);
    assert.deepEqual([widgetConversion.crdName, widgetConversion.versions], ['widgets.example.com', ['v2', 'v1', 'v3']]);
    assert.ok(isConversionDefinition(widgetConversion));
    assert.ok(!isConversionDefinition({ kind: WidgetV1, validating: undefined }));
  });

  test('the functions are typed from both versions', () => {
    conversion(WidgetV2).spoke(WidgetV1, {
      // @ts-expect-error: v2 has no spec.image
      toHub: (object) => ({ spec: { image: object.spec.image, replicas: 1 } }),
      fromHub: (object) => ({ spec: { image: object.spec.repository, replicas: object.spec.replicas } }),
    });
  });
});

describe('convertReview', () => {
  const reviewOf = (desiredAPIVersion: string, objects: unknown[]): ConversionReview => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid: 'u-1', desiredAPIVersion, objects },
  });

  test('every object in the desired version, in order', () => {
    const objects = [widgetV1({ image: 'a:1', replicas: 1 }), widgetV2({ repository: 'b', tag: '2', replicas: 2 })];
    const answer = convertReview([widgetConversion], reviewOf(v3, objects));
    assert.equal(answer.response?.uid, 'u-1');
    assert.deepEqual(answer.response?.result, { status: 'Success' });
    assert.deepEqual(
      answer.response?.convertedObjects.map((o) => [(o as WidgetV3).apiVersion, (o as WidgetV3).spec.image.repository]),
      [
        [v3, 'a'],
        [v3, 'b'],
      ],
    );
  });

  test('a failure names the object and the error', () => {
    const broken = conversion(WidgetV2).spoke(WidgetV1, {
      toHub: (object) => {
        if (object.spec.image === 'bad') throw new Error('no tag in image "bad"');
        return { spec: { repository: object.spec.image, tag: 'latest', replicas: 1 } };
      },
      fromHub: (object) => ({ spec: { image: object.spec.repository, replicas: 1 } }),
    });
    const objects = [
      widgetV1({ image: 'ok', replicas: 1 }),
      { ...widgetV1({ image: 'bad', replicas: 1 }), metadata: { name: 'b2', namespace: 'ns' } },
    ];
    const answer = convertReview([broken], reviewOf(v2, objects));
    assert.deepEqual(answer.response, {
      uid: 'u-1',
      convertedObjects: [],
      result: {
        status: 'Failure',
        message:
          'converting Widget ns/b2 from example.com/v1 to example.com/v2 failed at v1 → v2: the conversion function threw: no tag in image "bad"',
      },
    });
    const unknown = convertReview(
      [broken],
      reviewOf('other.example.com/v1', [{ apiVersion: 'other.example.com/v2', kind: 'Thing', metadata: { name: 't' } }]),
    );
    assert.match(
      (unknown.response?.result as { message: string }).message,
      /Thing t .*no conversion for Thing\.other\.example\.com is served here \(served: widgets\.example\.com\)/,
    );
    assert.throws(() => convertReview([broken], { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview' }), WebhookError);
  });
});

test('crdConversions: the client config of each CRD a conversion serves, at /convert', () => {
  const byService = crdConversions([widgetConversion], { service: { namespace: 'ops', name: 'hooks', port: 443 } });
  assert.deepEqual(byService('widgets.example.com'), {
    clientConfig: { service: { namespace: 'ops', name: 'hooks', port: 443, path: '/convert' } },
  });
  assert.equal(byService('gadgets.example.com'), undefined);
  const byUrl = crdConversions([widgetConversion], { url: 'https://127.0.0.1:9443/', caBundle: 'Q0E=' });
  assert.deepEqual(byUrl('widgets.example.com'), { clientConfig: { url: 'https://127.0.0.1:9443/convert', caBundle: 'Q0E=' } });
});
