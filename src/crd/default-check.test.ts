import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { toStructuralSchema } from './convert.ts';
import { violation } from './default-check.ts';
import { ListMap } from './kubernetes-schemas.ts';
import { assertRefused } from './test-support.ts';

const convert = (schema: unknown) => toStructuralSchema(Type.Object({ f: schema as never }), 'spec');

describe('defaults are checked against their own schema', () => {
  test('valid defaults are kept, including null on nullable fields and nested objects', () => {
    assert.equal(convert(Type.String({ maxLength: 5, default: 'abc' })).properties?.['f']?.default, 'abc');
    assert.equal(convert(Type.Union([Type.String(), Type.Null()], { default: null })).properties?.['f']?.default, null);
    const nested = Type.Object(
      { a: Type.Integer({ minimum: 1 }), b: Type.Optional(Type.Array(Type.String(), { maxItems: 2 })) },
      { default: { a: 1, b: ['x'] } },
    );
    assert.deepEqual(convert(nested).properties?.['f']?.default, { a: 1, b: ['x'] });
  });

  test("each violated constraint is refused with the offending value's path", () => {
    assertRefused(
      () => convert(Type.String({ maxLength: 2, default: 'toolong' })),
      'DEFAULT',
      'spec.f',
      'default "toolong" is invalid',
      'longer than maxLength 2',
    );
    assertRefused(() => convert(Type.String({ pattern: '^[a-z]+$', default: 'ABC' })), 'DEFAULT', 'spec.f', 'does not match pattern');
    assertRefused(() => convert(Type.Integer({ minimum: 1, default: 0 })), 'DEFAULT', 'spec.f', 'must be >= 1');
    assertRefused(() => convert(Type.Integer({ exclusiveMaximum: 5, default: 5 })), 'DEFAULT', 'spec.f', 'must be < 5');
    assertRefused(() => convert(Type.Integer({ default: 1.5 })), 'DEFAULT', 'spec.f', 'must be an integer');
    assertRefused(
      () => convert(Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'c' })),
      'DEFAULT',
      'spec.f',
      'must be one of ["a","b"]',
    );
    assertRefused(() => convert(Type.String({ default: null })), 'DEFAULT', 'spec.f', 'must not be null');
    assertRefused(() => convert(Type.Object({ a: Type.String() }, { default: {} })), 'DEFAULT', 'spec.f', 'spec.f.a is required');
    assertRefused(
      () => convert(Type.Object({ a: Type.String() }, { default: { a: 'x', b: 1 } })),
      'DEFAULT',
      'spec.f',
      'spec.f.b is not a field',
      'prune',
    );
    assertRefused(
      () => convert(Type.Array(Type.Integer({ maximum: 3 }), { default: [1, 9] })),
      'DEFAULT',
      'spec.f',
      'spec.f[1] must be <= 3',
    );
    assertRefused(
      () => convert(Type.Array(Type.String(), { uniqueItems: true, default: ['a', 'a'] })),
      'DEFAULT',
      'spec.f',
      'spec.f[1] duplicates spec.f[0]',
    );
    assertRefused(
      () => convert(Type.Record(Type.String(), Type.Integer(), { default: { x: 'no' } })),
      'DEFAULT',
      'spec.f',
      'spec.f["x"] must be an integer',
    );
  });

  test('list-map keys must be unique in a default', () => {
    const ports = ListMap(Type.Object({ name: Type.String(), port: Type.Integer() }), ['name'], {
      default: [
        { name: 'a', port: 1 },
        { name: 'a', port: 2 },
      ],
    });
    assertRefused(() => convert(ports), 'DEFAULT', 'spec.f', 'duplicates', 'list of type map');
  });

  test('a required field must be in an enclosing default even when it has a default of its own (the server does not fill it in)', () => {
    const schema = convert(Type.Object({ a: Type.String({ default: 'x' }) })).properties?.['f'];
    assert.ok(schema);
    assert.equal(violation(schema, {}, 'f'), 'f.a is required');
    assertRefused(
      () => convert(Type.Object({ a: Type.String({ default: 'x' }) }, { default: {} })),
      'DEFAULT',
      'spec.f',
      'spec.f.a is required',
    );
  });

  test('strings are measured in characters, as Kubernetes measures maxLength', () => {
    assert.equal(convert(Type.String({ maxLength: 2, default: 'éé' })).properties?.['f']?.default, 'éé');
    assert.equal(convert(Type.String({ maxLength: 1, default: '😀' })).properties?.['f']?.default, '😀');
  });
});
