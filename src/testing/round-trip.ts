import assert from 'node:assert/strict';
import type { KubeObject } from '../core/index.ts';
import type { ConversionDefinition } from '../webhook/index.ts';

/** The object as the API server would send it: JSON (a key whose value is `undefined` is absent). */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Assert that `definition` converts `object` without loss: converted to each other version and back, and through
 * every version in turn and back, it is the same JSON as before (fields only one version has come back through the
 * `<group>/conversion-data` annotation). Throws an `AssertionError` naming the versions and showing the difference.
 * Call it from a property test with objects from your own generators (fast-check), for objects of every version.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import fc from 'fast-check';
 * import type { ConversionDefinition } from 'capstan/webhook';
 * import { assertRoundTrips } from 'capstan/testing';
 * declare const widgetConversion: ConversionDefinition; // conversion(WidgetV2).spoke(WidgetV1, …)
 * test('a Widget v1 converts to every version and back unchanged', () => {
 *   const widgetV1 = fc.record({ image: fc.stringMatching(/^[a-z]+:[0-9]+$/), replicas: fc.nat() }).map((spec) => ({
 *     apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec,
 *   }));
 *   fc.assert(fc.property(widgetV1, (object) => assertRoundTrips(widgetConversion, object)));
 * });
 * ```
 */
export function assertRoundTrips(definition: ConversionDefinition, object: KubeObject): void {
  const original = object.apiVersion ?? '';
  const expected = asJson(object);
  const group = definition.group;
  const others = definition.versions.map((v) => `${group}/${v}`).filter((v) => v !== original);
  const tours = [...others.map((v) => [v]), ...(others.length > 1 ? [others] : [])];
  for (const tour of tours) {
    let current = object;
    for (const apiVersion of [...tour, original]) current = definition.convert(current, apiVersion);
    assert.deepStrictEqual(
      asJson(current),
      expected,
      `${object.kind ?? 'object'} ${original} → ${tour.join(' → ')} → ${original} changed it (expected: the object as it was)`,
    );
  }
}
