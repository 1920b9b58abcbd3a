import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { toStructuralSchema } from './convert.ts';
import { violation } from './default-check.ts';
import type { StructuralSchema } from './structural-schema.ts';
import { assertRefused } from './test-support.ts';

const field = (schema: unknown): StructuralSchema | undefined =>
  toStructuralSchema(Type.Object({ f: schema as never }), 'spec').properties?.['f'];

describe('unions', () => {
  test("T | null becomes nullable T, keeping the union's description", () => {
    assert.deepEqual(field(Type.Union([Type.String({ maxLength: 3 }), Type.Null()], { description: 'd' })), {
      description: 'd',
      type: 'string',
      maxLength: 3,
      nullable: true,
    });
  });

  test('literal unions (and keyof) become one enum', () => {
    assert.deepEqual(field(Type.Union([Type.Literal('a'), Type.Literal('b'), Type.Null()])), {
      type: 'string',
      enum: ['a', 'b'],
      nullable: true,
    });
    assert.deepEqual(field(Type.KeyOf(Type.Object({ x: Type.String(), y: Type.String() }))), { type: 'string', enum: ['x', 'y'] });
  });

  test("integer | string becomes int-or-string, with each member's bounds kept for its own type", () => {
    assert.deepEqual(field(Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.String({ maxLength: 15 })])), {
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      minimum: 1,
      maximum: 65535,
      maxLength: 15,
    });
  });

  test('a discriminated union of objects becomes one object whose anyOf keeps the variants apart', () => {
    const source = field(
      Type.Union([
        Type.Object({ kind: Type.Literal('git'), url: Type.String({ maxLength: 100 }), ref: Type.Optional(Type.String()) }),
        Type.Object({ kind: Type.Literal('oci'), image: Type.String() }),
      ]),
    );
    assert.deepEqual(source, {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['git', 'oci'] },
        url: { type: 'string', maxLength: 100 },
        ref: { type: 'string' },
        image: { type: 'string' },
      },
      required: ['kind'],
      anyOf: [
        { required: ['url'], properties: { kind: { enum: ['git'] } } },
        { required: ['image'], properties: { kind: { enum: ['oci'] } } },
      ],
    });
    assert.ok(source);
    // The rewrite keeps the union's meaning: each variant is valid, a mix of the wrong kind is not.
    assert.equal(violation(source, { kind: 'git', url: 'u' }, 'f'), undefined);
    assert.equal(violation(source, { kind: 'oci', image: 'i' }, 'f'), undefined);
    assert.match(violation(source, { kind: 'git', image: 'i' }, 'f') ?? '', /matches none of the anyOf/);
  });

  test('variants with nothing of their own need no anyOf', () => {
    assert.deepEqual(
      field(Type.Union([Type.Object({ a: Type.Optional(Type.String()) }), Type.Object({ b: Type.Optional(Type.String()) })])),
      {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'string' } },
      },
    );
  });

  test('intersections of objects become one object with the fields of both', () => {
    assert.deepEqual(field(Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ b: Type.Optional(Type.Integer()) })])), {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      required: ['a'],
    });
  });

  test('value-validation junctors on a typed field pass through (already structural)', () => {
    const oneOf = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      oneOf: [{ required: ['a'] }, { required: ['b'] }],
    };
    assert.deepEqual(field(oneOf), oneOf);
  });

  test('unions with no structural form are refused with the member types', () => {
    assertRefused(() => field(Type.Union([Type.String(), Type.Number()])), 'UNION', 'spec.f', 'string | number has no structural form');
    assertRefused(() => field(Type.Union([Type.Array(Type.String()), Type.Array(Type.Integer())])), 'UNION', 'spec.f', 'array | array');
    assertRefused(() => field(Type.Union([Type.Literal('a'), Type.Literal(1)])), 'UNION', 'spec.f', 'different types');
    assertRefused(
      () => field(Type.Union([Type.Object({ x: Type.String() }), Type.Object({ x: Type.Integer() })])),
      'UNION',
      'spec.f.x',
      'different schemas in different members',
    );
    assertRefused(
      () => field(Type.Union([Type.Object({ x: Type.String() }, { maxProperties: 1 }), Type.Object({ y: Type.String() })])),
      'UNION',
      'spec.f<anyOf[0]>',
      'sets "maxProperties"',
    );
    assertRefused(
      () => field(Type.Union([Type.Integer({ multipleOf: 2 }), Type.String({ minimum: 1 })])),
      'UNION',
      'spec.f',
      'sets "minimum"',
    );
    assertRefused(
      () => field({ anyOf: [{ type: 'string' }, { type: 'integer' }], maxLength: 3 }),
      'UNION',
      'spec.f',
      '"maxLength" beside a union',
    );
  });

  test('errors inside union members name the member', () => {
    assertRefused(() => field(Type.Union([Type.Object({ x: Type.Unknown() }), Type.Null()])), 'MISSING_TYPE', 'spec.f<anyOf[0]>.x');
  });

  test('typed members inside a typed field are refused (structural schemas say the type once)', () => {
    assertRefused(
      () => field({ type: 'string', anyOf: [{ type: 'string', maxLength: 3 }] }),
      'UNION',
      'spec.f<anyOf[0]>',
      '"type" is not allowed',
    );
    assertRefused(
      () =>
        field({ type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ required: ['b'], properties: { b: { maxLength: 1 } } }] }),
      'UNION',
      'spec.f<anyOf[0]>.b',
      'not a property of the field itself',
    );
  });

  test('intersections that conflict, or of non-objects, are refused', () => {
    assertRefused(
      () => field(Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ a: Type.Integer() })])),
      'INTERSECTION',
      'spec.f.a',
      'different schemas',
    );
    assertRefused(
      () => field({ allOf: [{ type: 'string' }, { type: 'string' }] }),
      'INTERSECTION',
      'spec.f<allOf[0]>',
      'only merge objects',
    );
    assertRefused(
      () =>
        field({
          allOf: [
            { type: 'object', maxProperties: 1 },
            { type: 'object', maxProperties: 2 },
          ],
        }),
      'INTERSECTION',
      'spec.f',
      'disagree on "maxProperties"',
    );
  });
});
