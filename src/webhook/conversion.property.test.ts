// Round trips over random Widgets of every version (test-support.ts: a field only v1 has, fields only v2 and v3
// have, a string split into two fields, fields nested differently): converted to any other version, or through
// any sequence of versions, and back, an object is the same JSON as before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../core/index.ts';
import { widgetConversion, type WidgetV1, type WidgetV2, type WidgetV3 } from './test-support.ts';

// Image parts never contain ':' (v1's image is `repository:tag`), so v1 ↔ v2 is a bijection on valid objects.
const part = fc.stringMatching(/^[a-z0-9][a-z0-9./_-]{0,11}$/);
const text = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });
const replicas = fc.integer({ min: 0, max: 1000 });
const labels = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), text, { maxKeys: 3 });
const metadata = fc.record(
  {
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/),
    namespace: fc.constantFrom('default', 'shop'),
    uid: fc.uuid(),
    resourceVersion: fc.integer({ min: 1 }).map(String),
    labels: labels.filter((l) => Object.keys(l).length > 0),
    annotations: labels.filter((l) => Object.keys(l).length > 0),
  },
  { requiredKeys: ['name', 'namespace', 'uid', 'resourceVersion'] },
);
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
/** Drops keys whose value is undefined, as JSON does. */
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const v1 = fc
  .record({
    metadata,
    image: fc.tuple(part, part).map(([r, t]) => `${r}:${t}`),
    replicas,
    note: optional(text),
    status: optional(fc.record({ ready: fc.boolean() }, { requiredKeys: [] })),
  })
  .map(
    ({ metadata, image, replicas, note, status }): WidgetV1 =>
      json({ apiVersion: 'example.com/v1', kind: 'Widget', metadata, spec: { image, replicas, note }, status }),
  );
const hubStatus = optional(
  fc.record({ ready: fc.boolean(), phase: fc.constantFrom('Pending', 'Running', 'Paused') }, { requiredKeys: [] }),
);
const v2 = fc
  .record({ metadata, repository: part, tag: part, replicas, paused: optional(fc.boolean()), status: hubStatus })
  .map(
    ({ metadata, repository, tag, replicas, paused, status }): WidgetV2 =>
      json({ apiVersion: 'example.com/v2', kind: 'Widget', metadata, spec: { repository, tag, replicas, paused }, status }),
  );
const v3 = fc.record({ metadata, repository: part, tag: part, replicas, paused: optional(fc.boolean()), status: hubStatus }).map(
  ({ metadata, repository, tag, replicas, paused, status }): WidgetV3 =>
    json({
      apiVersion: 'example.com/v3',
      kind: 'Widget',
      metadata,
      spec: { image: { repository, tag }, scale: { replicas }, paused },
      status,
    }),
);
const anyWidget: fc.Arbitrary<KubeObject> = fc.oneof(v1, v2, v3);
const apiVersions = widgetConversion.versions.map((v) => `example.com/${v}`);

test('a Widget of any version, converted to any other version and back, is unchanged', () => {
  fc.assert(
    fc.property(anyWidget, fc.constantFrom(...apiVersions), (object, via) => {
      const there = widgetConversion.convert(object, via);
      assert.equal(there.apiVersion, via);
      assert.deepEqual(json(widgetConversion.convert(there, object.apiVersion!)), object);
    }),
    { numRuns: 500 },
  );
});

test('a Widget converted through any sequence of versions and back is unchanged', () => {
  fc.assert(
    fc.property(anyWidget, fc.array(fc.constantFrom(...apiVersions), { maxLength: 6 }), (object, tour) => {
      let current = object;
      for (const apiVersion of [...tour, object.apiVersion!]) current = widgetConversion.convert(current, apiVersion);
      assert.deepEqual(json(current), object);
    }),
    { numRuns: 500 },
  );
});

test('converting changes nothing of the object converted (the API server keeps using it)', () => {
  fc.assert(
    fc.property(anyWidget, fc.constantFrom(...apiVersions), (object, to) => {
      const before = structuredClone(object);
      widgetConversion.convert(object, to);
      assert.deepEqual(object, before);
    }),
    { numRuns: 200 },
  );
});
