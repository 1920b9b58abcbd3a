import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { toStructuralSchema } from './convert.ts';
import type { StructuralSchema } from './structural-schema.ts';
import { assertRefused } from './test-support.ts';

const field = (schema: unknown): StructuralSchema | undefined =>
  toStructuralSchema(Type.Object({ f: schema as never }), 'spec').properties?.['f'];

describe('toStructuralSchema rewrites what has a structural form', () => {
  test('plain typebox objects keep their bounds, descriptions and required fields, and lose typebox internals', () => {
    const schema = toStructuralSchema(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z]+$', description: 'The name' }),
        replicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: 1 })),
        ratio: Type.Number({ multipleOf: 0.5 }),
        on: Type.Boolean(),
        tags: Type.Array(Type.String({ maxLength: 8 }), { maxItems: 4, minItems: 1 }),
      }),
      'spec',
    );
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema, 'no symbols or non-JSON values');
    assert.deepEqual(schema, {
      type: 'object',
      properties: {
        name: { description: 'The name', type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z]+$' },
        replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
        ratio: { type: 'number', multipleOf: 0.5 },
        on: { type: 'boolean' },
        tags: { type: 'array', maxItems: 4, minItems: 1, items: { type: 'string', maxLength: 8 } },
      },
      required: ['name', 'ratio', 'on', 'tags'],
    });
  });

  test('const becomes a one-value enum', () => {
    assert.deepEqual(field(Type.Literal('v1')), { type: 'string', enum: ['v1'] });
    assert.deepEqual(field(Type.Literal(3)), { type: 'number', enum: [3] });
  });

  test('a bare enum gets the type its values share', () => {
    assert.deepEqual(field(Type.Enum(['a', 'b'])), { type: 'string', enum: ['a', 'b'] });
    assert.deepEqual(field(Type.Enum([1, 2])), { type: 'integer', enum: [1, 2] });
    assert.deepEqual(field(Type.Enum([1, 2.5])), { type: 'number', enum: [1, 2.5] });
  });

  test('numeric exclusive bounds (JSON Schema 2019+) become OpenAPI v3.0 booleans', () => {
    assert.deepEqual(field(Type.Integer({ exclusiveMinimum: 0, exclusiveMaximum: 100 })), {
      type: 'integer',
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 100,
      exclusiveMaximum: true,
    });
  });

  test('additionalProperties: false is dropped (pruning already drops unknown fields); true keeps unknown fields', () => {
    assert.deepEqual(field(Type.Object({ a: Type.String() }, { additionalProperties: false })), {
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
    });
    assert.deepEqual(field(Type.Object({ a: Type.String() }, { additionalProperties: true })), {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { a: { type: 'string' } },
      required: ['a'],
    });
  });

  test('a record with string keys becomes a map (additionalProperties)', () => {
    assert.deepEqual(field(Type.Record(Type.String(), Type.Integer(), { maxProperties: 5 })), {
      type: 'object',
      maxProperties: 5,
      additionalProperties: { type: 'integer' },
    });
  });

  test('uniqueItems on scalars becomes a set', () => {
    assert.deepEqual(field(Type.Array(Type.String(), { uniqueItems: true })), {
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-list-type': 'set',
    });
  });

  test('type lists with null, and examples, are rewritten', () => {
    assert.deepEqual(field({ type: ['string', 'null'], examples: ['x', 'y'] }), { type: 'string', nullable: true, example: 'x' });
  });

  test('a converted schema converts to itself (structural schemas are a fixed point)', () => {
    const once = toStructuralSchema(
      Type.Object({
        mode: Type.Union([Type.Literal('a'), Type.Literal('b')]),
        port: Type.Union([Type.Integer(), Type.String()]),
        n: Type.Union([Type.Integer({ exclusiveMinimum: 0 }), Type.Null()]),
        m: Type.Record(Type.String(), Type.Array(Type.Integer(), { uniqueItems: true })),
      }),
      'spec',
    );
    assert.deepEqual(toStructuralSchema(once, 'spec'), once);
  });
});

describe('toStructuralSchema refuses what the API server refuses, naming the path', () => {
  test('missing type: Type.Unknown(), Type.Any(), an object field with {}', () => {
    assertRefused(() => field(Type.Unknown()), 'MISSING_TYPE', 'spec.f', 'has no type', 'PreserveUnknownFields()');
    assertRefused(() => field(Type.Any()), 'MISSING_TYPE', 'spec.f', 'has no type');
    assertRefused(() => field(Type.Array(Type.Object({ x: Type.Unknown() }))), 'MISSING_TYPE', 'spec.f[*].x', 'has no type');
    assertRefused(() => field({ type: 'array' }), 'MISSING_TYPE', 'spec.f', 'needs an item schema');
  });

  test('types with no JSON form', () => {
    assertRefused(() => field(Type.BigInt()), 'UNSUPPORTED_TYPE', 'spec.f', 'Type.BigInt() has no JSON form');
    assertRefused(() => field(Type.Undefined()), 'UNSUPPORTED_TYPE', 'spec.f', 'Type.Undefined()');
    assertRefused(() => field(Type.Function([], Type.String())), 'UNSUPPORTED_TYPE', 'spec.f', 'Type.Function()');
    assertRefused(() => field({ type: 'date' }), 'UNSUPPORTED_TYPE', 'spec.f', 'type "date" is not one of');
  });

  test('references and recursion', () => {
    assertRefused(() => field(Type.Ref('Other')), 'REFERENCE', 'spec.f', '"$ref" is not supported', 'self-contained');
    const tree = Type.Cyclic({ Node: Type.Object({ children: Type.Array(Type.Ref('Node')) }) }, 'Node');
    assertRefused(() => field(tree), 'REFERENCE', 'spec.f', 'not recursive');
    assertRefused(() => toStructuralSchema({ type: 'object', definitions: {} }, 'spec'), 'REFERENCE', 'spec', '"definitions"');
  });

  test('null alone has no type', () => {
    assertRefused(() => field(Type.Null()), 'NULL_TYPE', 'spec.f', 'nullable: true');
  });

  test('additionalProperties beside properties', () => {
    assertRefused(
      () => field(Type.Object({ a: Type.String() }, { additionalProperties: Type.String() })),
      'PROPERTIES_AND_ADDITIONAL_PROPERTIES',
      'spec.f',
      'one or the other',
    );
  });

  test('patternProperties other than "any key"', () => {
    assertRefused(() => field(Type.Record(Type.Integer(), Type.String())), 'PATTERN_PROPERTIES', 'spec.f', 'CEL rule on its keys');
  });

  test('uniqueItems on objects', () => {
    assertRefused(() => field(Type.Array(Type.Object({ a: Type.String() }), { uniqueItems: true })), 'UNIQUE_ITEMS', 'spec.f', 'ListMap');
  });

  test('tuples', () => {
    assertRefused(
      () => field(Type.Tuple([Type.String(), Type.Integer()])),
      'UNSUPPORTED_KEYWORD',
      'spec.f',
      '"additionalItems"',
      'tuples have no structural form',
    );
    assertRefused(() => field({ type: 'array', items: [{ type: 'string' }] }), 'TUPLE', 'spec.f', 'named fields');
  });

  test('keywords Kubernetes does not have', () => {
    assertRefused(() => field(Type.String({ readOnly: true })), 'UNSUPPORTED_KEYWORD', 'spec.f', '"readOnly"', 'self == oldSelf');
    assertRefused(() => field({ type: 'object', propertyNames: { pattern: '^a' } }), 'UNSUPPORTED_KEYWORD', 'spec.f', '"propertyNames"');
    assertRefused(() => field({ type: 'string', $comment: 'x' }), 'UNSUPPORTED_KEYWORD', 'spec.f', '"$comment"', 'strict field validation');
    assertRefused(() => field({ type: 'string', not: { enum: ['x'] } }), 'UNSUPPORTED_KEYWORD', 'spec.f', '"not"', 'CEL rule');
    assertRefused(
      () => field(Type.String({ properties: {} })),
      'UNSUPPORTED_KEYWORD',
      'spec.f',
      '"properties" does not apply to type "string"',
    );
  });

  test('enums that do not fit', () => {
    assertRefused(() => field({ enum: ['a', 1] }), 'ENUM', 'spec.f', 'do not share one JSON type');
    assertRefused(() => field({ type: 'string', enum: ['a', 1] }), 'ENUM', 'spec.f', 'enum value 1 is not of type string');
    assertRefused(() => field({ type: 'string', enum: [] }), 'ENUM', 'spec.f', 'empty');
  });

  test('patterns Go RE2 cannot compile', () => {
    assertRefused(() => field(Type.String({ pattern: '^(?!admin).*$' })), 'PATTERN', 'spec.f', 'lookahead', 'RE2');
    assertRefused(() => field(Type.String({ pattern: '^(a)\\1$' })), 'PATTERN', 'spec.f', 'backreferences');
    assertRefused(() => field(Type.String({ pattern: '(' })), 'PATTERN', 'spec.f', 'does not compile');
    assert.deepEqual(
      field(Type.String({ pattern: '^a\\\\1$' })),
      { type: 'string', pattern: '^a\\\\1$' },
      'an escaped backslash followed by 1 is not a backreference',
    );
  });

  test('property names that are not identifiers are quoted in paths', () => {
    assertRefused(() => toStructuralSchema(Type.Object({ 'a.b': Type.Unknown() }), 'spec'), 'MISSING_TYPE', 'spec["a.b"]');
  });
});
