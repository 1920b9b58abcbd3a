// Properties of the converter over random typebox schemas: the output is structural, converting it again
// changes nothing, and it accepts exactly the values typebox accepts (so the static type and the
// server's validation describe the same objects).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import Type, { type TSchema } from 'typebox';
import Value from 'typebox/value';
import { toStructuralSchema } from './convert.ts';
import { violation } from './default-check.ts';
import { isRecord, type StructuralSchema } from './structural-schema.ts';

/** A schema and values that satisfy it. */
interface Sample {
  schema: TSchema;
  value: fc.Arbitrary<unknown>;
}

const text = (max: number) => fc.string({ unit: 'grapheme-ascii', maxLength: max });
const optionalBound = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined });

const leaf: fc.Arbitrary<Sample> = fc.oneof(
  fc.tuple(optionalBound, optionalBound).map(([a, b]): Sample => {
    const [min, max] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
    return {
      schema: Type.String({ minLength: min, maxLength: max }),
      value: fc.string({ unit: 'grapheme-ascii', minLength: min ?? 0, maxLength: max ?? 8 }),
    };
  }),
  fc.tuple(fc.integer({ min: -5, max: 5 }), fc.boolean()).map(
    ([min, exclusive]): Sample => ({
      schema: exclusive ? Type.Integer({ exclusiveMinimum: min }) : Type.Integer({ minimum: min }),
      value: fc.integer({ min: exclusive ? min + 1 : min, max: 100 }),
    }),
  ),
  fc.constant<Sample>({ schema: Type.Number({ maximum: 1.5 }), value: fc.double({ max: 1.5, noNaN: true, noDefaultInfinity: true }) }),
  fc.constant<Sample>({ schema: Type.Boolean(), value: fc.boolean() }),
  fc.uniqueArray(text(3), { minLength: 1, maxLength: 3 }).map(
    (values): Sample => ({
      schema: Type.Union(values.map((v) => Type.Literal(v))),
      value: fc.constantFrom(...values),
    }),
  ),
  fc.constant<Sample>({
    schema: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 4 })]),
    value: fc.oneof(fc.nat(), text(4)),
  }),
);

const { sample } = fc.letrec<{ sample: Sample }>((tie) => ({
  sample: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('sample').map((s): Sample => ({ schema: Type.Union([s.schema, Type.Null()]), value: fc.option(s.value, { nil: null }) })),
    fc.tuple(tie('sample'), fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined })).map(
      ([s, max]): Sample => ({
        schema: Type.Array(s.schema, { maxItems: max }),
        value: fc.array(s.value, { maxLength: max ?? 4 }),
      }),
    ),
    leaf.map(
      (s): Sample => ({
        schema: Type.Array(s.schema, { uniqueItems: true }),
        value: fc.uniqueArray(s.value, { maxLength: 3, comparator: 'SameValueZero' }),
      }),
    ),
    fc
      .dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.tuple(tie('sample'), fc.boolean()), { minKeys: 1, maxKeys: 3 })
      .map((fields): Sample => {
        const schema = Type.Object(
          Object.fromEntries(Object.entries(fields).map(([k, [s, optional]]) => [k, optional ? Type.Optional(s.schema) : s.schema])),
          { additionalProperties: false },
        );
        const value = fc.record(Object.fromEntries(Object.entries(fields).map(([k, [s]]) => [k, s.value])), {
          requiredKeys: Object.entries(fields)
            .filter(([, [, optional]]) => !optional)
            .map(([k]) => k),
        });
        return { schema, value };
      }),
    tie('sample').map(
      (s): Sample => ({ schema: Type.Record(Type.String(), s.schema), value: fc.dictionary(text(3), s.value, { maxKeys: 3 }) }),
    ),
  ),
}));

/** The structural-schema rules the API server enforces, checked on converter output. */
function assertStructural(node: StructuralSchema, path: string, inJunctor = false): void {
  const forbidden = ['const', '$ref', '$defs', 'definitions', 'patternProperties', 'uniqueItems', 'examples', 'prefixItems'];
  for (const key of forbidden) assert.ok(!(key in node), `${path}: ${key}`);
  assert.notEqual(node.additionalProperties, false, `${path}: additionalProperties false`);
  assert.ok(!(node.properties && node.additionalProperties), `${path}: properties beside additionalProperties`);
  for (const key of ['exclusiveMinimum', 'exclusiveMaximum'] as const)
    assert.ok(node[key] === undefined || typeof node[key] === 'boolean', `${path}: numeric ${key}`);
  if (inJunctor) {
    for (const key of ['type', 'description', 'default', 'nullable', 'additionalProperties'] as const)
      assert.ok(!(key in node), `${path}: ${key} in a junctor`);
  } else {
    assert.ok(
      node.type !== undefined || node['x-kubernetes-int-or-string'] || node['x-kubernetes-preserve-unknown-fields'],
      `${path}: no type`,
    );
    assert.notEqual(node.type, 'null', `${path}: type null`);
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) assertStructural(child, `${path}.${name}`, inJunctor);
  if (node.items) assertStructural(node.items, `${path}[*]`, inJunctor);
  if (isRecord(node.additionalProperties)) assertStructural(node.additionalProperties, `${path}{*}`, inJunctor);
  const junctors = node['x-kubernetes-int-or-string'] ? [] : [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
  for (const member of junctors) assertStructural(member, `${path}<member>`, true);
}

const fieldOf = (schema: TSchema): TSchema => Type.Object({ f: schema }, { additionalProperties: false });

const schemas = sample.map((s) => s.schema);

test('converted schemas are structural and a fixed point of the converter', () => {
  fc.assert(
    fc.property(schemas, (schema) => {
      const converted = toStructuralSchema(fieldOf(schema), 'spec');
      assertStructural(converted, 'spec');
      assert.deepEqual(toStructuralSchema(converted, 'spec'), converted);
    }),
    { numRuns: 300 },
  );
});

test('a converted schema accepts exactly the values typebox accepts', () => {
  const pair = sample.chain(({ schema, value }) => fc.tuple(fc.constant(schema), fc.oneof(value, fc.jsonValue({ maxDepth: 2 }))));
  fc.assert(
    fc.property(pair, ([schema, value]) => {
      const converted = toStructuralSchema(fieldOf(schema), 'spec');
      const object = { f: value };
      assert.equal(
        violation(converted, object, 'spec') === undefined,
        Value.Check(fieldOf(schema), object),
        violation(converted, object, 'spec') ?? 'accepted by the converted schema, refused by typebox',
      );
    }),
    { numRuns: 500 },
  );
});
