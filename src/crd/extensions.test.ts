import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { toStructuralSchema } from './convert.ts';
import { EmbeddedResource, IntOrString, ListMap, ListSet, MapOf, PreserveUnknownFields } from './kubernetes-schemas.ts';
import type { StructuralSchema } from './structural-schema.ts';
import { assertRefused } from './test-support.ts';

const field = (schema: unknown): StructuralSchema | undefined =>
  toStructuralSchema(Type.Object({ f: schema as never }), 'spec').properties?.['f'];
const item = Type.Object({ name: Type.String({ maxLength: 15 }), port: Type.Integer() });

describe('Kubernetes schema helpers produce accepted extensions', () => {
  test('ListMap, ListSet and MapOf', () => {
    assert.deepEqual(field(ListMap(item, ['name'], { maxItems: 8 })), {
      type: 'array',
      maxItems: 8,
      items: {
        type: 'object',
        properties: { name: { type: 'string', maxLength: 15 }, port: { type: 'integer' } },
        required: ['name', 'port'],
      },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    assert.deepEqual(field(ListSet(Type.String())), { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' });
    assert.deepEqual(field(MapOf(Type.String(), { maxProperties: 3, mapType: 'atomic' })), {
      type: 'object',
      maxProperties: 3,
      additionalProperties: { type: 'string' },
      'x-kubernetes-map-type': 'atomic',
    });
  });

  test('IntOrString, PreserveUnknownFields and EmbeddedResource', () => {
    assert.deepEqual(field(IntOrString({ pattern: '^[0-9]+%$' })), {
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      pattern: '^[0-9]+%$',
    });
    assert.deepEqual(field(PreserveUnknownFields()), { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(field(EmbeddedResource()), {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-embedded-resource': true,
    });
    assert.deepEqual(
      field({ 'x-kubernetes-preserve-unknown-fields': true }),
      { 'x-kubernetes-preserve-unknown-fields': true },
      'no type is needed when unknown fields are kept',
    );
  });

  test('a list-map key with a default need not be required', () => {
    const keyed = Type.Object({ name: Type.Optional(Type.String({ default: 'main' })) });
    assert.equal(field(ListMap(keyed, ['name']))?.['x-kubernetes-list-type'], 'map');
  });

  test('x-kubernetes-preserve-unknown-fields: false is the default and is dropped (the server refuses it written out)', () => {
    assert.deepEqual(field(Type.Object({}, { 'x-kubernetes-preserve-unknown-fields': false })), { type: 'object' });
  });
});

describe('misused extensions are refused', () => {
  test('list-map keys that are optional, missing, or not scalars', () => {
    assertRefused(
      () => field(ListMap(Type.Object({ name: Type.Optional(Type.String()) }), ['name'])),
      'EXTENSION',
      'spec.f',
      'key "name" must be required or have a default',
    );
    assertRefused(
      () => field(Type.Array(item, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['nope'] })),
      'EXTENSION',
      'spec.f',
      '"nope" is not a field',
    );
    assertRefused(
      () => field(Type.Array(item, { 'x-kubernetes-list-type': 'map' })),
      'EXTENSION',
      'spec.f',
      'needs x-kubernetes-list-map-keys',
    );
    assertRefused(() => field(ListMap(Type.Object({ k: Type.Object({}) }), ['k'])), 'EXTENSION', 'spec.f', 'must be a scalar field');
    assertRefused(
      () => field(Type.Array(Type.String(), { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['a'] })),
      'EXTENSION',
      'spec.f',
      'must be objects',
    );
    assertRefused(
      () => field(Type.Array(item, { 'x-kubernetes-list-map-keys': ['name'] })),
      'EXTENSION',
      'spec.f',
      'needs x-kubernetes-list-type: map',
    );
  });

  test('sets of objects, nullable items or keys, list types on non-lists, unknown list types', () => {
    assertRefused(() => field(ListSet(item)), 'EXTENSION', 'spec.f', 'must be scalars');
    assert.equal(
      field(ListSet(Type.Object({ a: Type.String() }, { 'x-kubernetes-map-type': 'atomic' })))?.['x-kubernetes-list-type'],
      'set',
      'atomic objects may be set items',
    );
    assert.equal(field(ListSet(IntOrString()))?.['x-kubernetes-list-type'], 'set', 'int-or-string items are scalars');
    assertRefused(() => field(ListSet(Type.Union([Type.String(), Type.Null()]))), 'EXTENSION', 'spec.f', 'cannot be nullable');
    assertRefused(
      () => field(ListMap(Type.Object({ k: Type.Union([Type.String(), Type.Null()]) }), ['k'])),
      'EXTENSION',
      'spec.f',
      'key "k" cannot be nullable',
    );
    assertRefused(() => field(Type.String({ 'x-kubernetes-list-type': 'set' })), 'EXTENSION', 'spec.f', 'applies to lists, not to string');
    assertRefused(() => field(Type.Array(Type.String(), { 'x-kubernetes-list-type': 'bag' })), 'EXTENSION', 'spec.f', 'atomic, set or map');
    assertRefused(
      () => field(Type.Array(Type.String(), { uniqueItems: true, 'x-kubernetes-list-type': 'atomic' })),
      'UNIQUE_ITEMS',
      'spec.f',
      'contradicts',
    );
  });

  test('map types on non-objects, embedded resources without fields, int-or-string with a type', () => {
    assertRefused(() => field(Type.String({ 'x-kubernetes-map-type': 'atomic' })), 'EXTENSION', 'spec.f', 'applies to objects');
    assertRefused(() => field(Type.Object({}, { 'x-kubernetes-map-type': 'whole' })), 'EXTENSION', 'spec.f', 'granular or atomic');
    assertRefused(
      () => field(Type.Object({}, { 'x-kubernetes-embedded-resource': true })),
      'EXTENSION',
      'spec.f',
      'needs properties or x-kubernetes-preserve-unknown-fields',
    );
    assertRefused(() => field(Type.String({ 'x-kubernetes-int-or-string': true })), 'EXTENSION', 'spec.f', 'needs no type');
    assertRefused(() => field(Type.Object({}, { 'x-kubernetes-preserve-unknown-fields': 'yes' })), 'EXTENSION', 'spec.f', 'must be true');
  });
});
