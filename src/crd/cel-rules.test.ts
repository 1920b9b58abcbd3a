import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { checkCelRules } from './cel-rules.ts';
import { toStructuralSchema } from './convert.ts';
import { assertRefused } from './test-support.ts';

const rules = (...entries: unknown[]) => ({ 'x-kubernetes-validations': entries });

describe('validation rule entries are checked as the API server checks them', () => {
  test('a well-formed rule keeps its fields', () => {
    const schema = toStructuralSchema(
      Type.Object(
        { min: Type.Integer(), max: Type.Integer() },
        rules({
          rule: 'self.min <= self.max',
          message: 'min must not exceed max',
          reason: 'FieldValueInvalid',
          fieldPath: '.min',
          optionalOldSelf: false,
        }),
      ),
      'spec',
    );
    assert.deepEqual(schema['x-kubernetes-validations'], [
      {
        rule: 'self.min <= self.max',
        message: 'min must not exceed max',
        reason: 'FieldValueInvalid',
        fieldPath: '.min',
        optionalOldSelf: false,
      },
    ]);
  });

  test('unknown reasons, line breaks in messages, empty rules, unknown fields of a rule', () => {
    const s = (rule: unknown) => () => toStructuralSchema(Type.Object({ a: Type.String({ maxLength: 5 }) }, rules(rule)), 'spec');
    assertRefused(
      s({ rule: "self.a != 'x'", reason: 'Nope' }),
      'VALIDATION_RULE',
      'spec x-kubernetes-validations[0]',
      'reason "Nope" is not one of FieldValueInvalid',
    );
    assertRefused(
      s({ rule: "self.a != 'x'", message: 'a\nb' }),
      'VALIDATION_RULE',
      'spec x-kubernetes-validations[0]',
      'must not contain line breaks',
    );
    assertRefused(s({ rule: ' ' }), 'VALIDATION_RULE', 'spec x-kubernetes-validations[0]', 'non-empty CEL expression');
    assertRefused(
      s({ rule: 'true', severity: 'high' }),
      'VALIDATION_RULE',
      'spec x-kubernetes-validations[0]',
      '"severity" is not a field of a validation rule',
    );
    assertRefused(s('self.a != "x"'), 'VALIDATION_RULE', 'spec x-kubernetes-validations[0]', 'must be an object');
  });

  test('fieldPath must name a field below the rule, without list indexes', () => {
    const s = (fieldPath: string) => () =>
      toStructuralSchema(
        Type.Object(
          {
            a: Type.String({ maxLength: 5 }),
            m: Type.Record(Type.String(), Type.Object({ x: Type.String() })),
            l: Type.Array(Type.String()),
          },
          rules({ rule: 'true', fieldPath }),
        ),
        'spec',
      );
    assert.doesNotThrow(s('.a'));
    assert.doesNotThrow(s(".m['some.key'].x"));
    assertRefused(s('.b'), 'VALIDATION_RULE', 'spec x-kubernetes-validations[0]', '"b" is not a property');
    assertRefused(s('.l[0]'), 'VALIDATION_RULE', 'spec x-kubernetes-validations[0]', 'list indexes are not allowed');
    assertRefused(s('a'), 'VALIDATION_RULE', 'spec x-kubernetes-validations[0]', 'not of the form');
  });

  test('a rule that names a field the schema lacks is refused (CEL would not compile it)', () => {
    assertRefused(
      () => toStructuralSchema(Type.Object({ a: Type.String({ maxLength: 5 }) }, rules({ rule: "self.b != 'x'" })), 'spec'),
      'VALIDATION_RULE',
      'spec x-kubernetes-validations[0]',
      'refers to spec.b, which is not a field',
    );
    assertRefused(
      () =>
        toStructuralSchema(
          Type.Object(
            { items: Type.Array(Type.Object({ n: Type.String() }), { maxItems: 2 }) },
            rules({ rule: 'self.items.all(i, has(i.name))' }),
          ),
          'spec',
        ),
      'VALIDATION_RULE',
      'spec x-kubernetes-validations[0]',
      'refers to spec.items[*].name',
    );
  });

  test("fields are found through CEL's escaping, maps, preserved objects and the resource root", () => {
    assert.doesNotThrow(() =>
      toStructuralSchema(Type.Object({ 'max-size': Type.Integer() }, rules({ rule: 'self.max__dash__size > 0' })), 'spec'),
    );
    assert.doesNotThrow(() =>
      toStructuralSchema(Type.Object({ m: Type.Record(Type.String(), Type.Integer()) }, rules({ rule: 'self.m.anykey > 0' })), 'spec'),
    );
    assert.doesNotThrow(() =>
      toStructuralSchema(
        Type.Object({}, { 'x-kubernetes-preserve-unknown-fields': true, ...rules({ rule: 'self.whatever == 1' }) }),
        'spec',
      ),
    );
    const root = {
      type: 'object' as const,
      properties: { spec: { type: 'object' as const } },
      ...rules({ rule: "self.metadata.name.startsWith('a') && self.kind == 'X'" }),
    } as never;
    assert.doesNotThrow(() => checkCelRules(root, '', true));
    assert.throws(() => checkCelRules(root, '', false), /refers to metadata/);
  });

  test('rules this parser cannot read are left to the API server', () => {
    assert.doesNotThrow(() => toStructuralSchema(Type.Object({ a: Type.String() }, rules({ rule: 'self.a.@weird' })), 'spec'));
  });
});

describe("rules whose estimated cost is above the server's limits are refused, naming the missing bounds", () => {
  test('iterating an unbounded list of unbounded strings', () => {
    const tags = Type.Array(Type.String(), rules({ rule: "self.all(t, t.contains('x'))" }));
    assertRefused(
      () => toStructuralSchema(Type.Object({ tags }), 'spec'),
      'CEL_COST',
      'spec.tags x-kubernetes-validations[0]',
      'the estimated cost of "self.all(t, t.contains(\'x\'))" is',
      "above the API server's limit of 10,000,000 per rule",
      'spec.tags has no maxItems (the server assumes 1,048,575 items)',
      'spec.tags[*] has no maxLength',
      'Add maxItems, maxProperties or maxLength',
    );
  });

  test('the same rule with bounds is accepted', () => {
    const tags = Type.Array(Type.String({ maxLength: 8 }), { maxItems: 100, ...rules({ rule: "self.all(t, t.contains('x'))" }) });
    assert.doesNotThrow(() => toStructuralSchema(Type.Object({ tags }), 'spec'));
  });

  test('a rule on the items of an unbounded list is multiplied by the items it may run on', () => {
    const names = Type.Array(Type.String({ maxLength: 64, ...rules({ rule: "self.contains('x')" }) }));
    assertRefused(
      () => toStructuralSchema(Type.Object({ names }), 'spec'),
      'CEL_COST',
      'spec.names[*] x-kubernetes-validations[0]',
      '× 1,048,576 evaluations',
      'spec.names has no maxItems, so a rule below it may run 1,048,576 times',
    );
  });

  test('many rules under the per-rule limit can still exceed the per-CRD limit together', () => {
    const rule = { rule: 'self.all(x, x.contains("a string"))' };
    const list = Type.Array(Type.String({ maxLength: 8 }), rules(rule));
    const fields = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`l${i}`, list]));
    assertRefused(
      () => toStructuralSchema(Type.Object(fields), 'spec'),
      'CEL_COST',
      'spec',
      "above the API server's limit of 100,000,000 per CRD",
      'the largest: spec.l0',
    );
  });
});
