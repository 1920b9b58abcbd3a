// Each construct the converter rewrites or refuses, checked against the real API server: the raw form
// (the JSON typebox writes) is refused by kube-apiserver with strict field validation, and the converted
// form (or, when the converter refuses, the fix its message suggests) is accepted. If Kubernetes ever
// starts accepting a raw form, or refusing a converted one, this file says which.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { CrdError, type CrdErrorCode, ListMap, PreserveUnknownFields, toStructuralSchema } from '../../src/crd/index.ts';
import { sharedCluster } from '../support/cluster.ts';
import { verdictOnSpec } from './support.ts';

interface Case {
  name: string;
  /** The spec schema as the author writes it. */
  raw: unknown;
  /** What the API server says about the raw form (part of its message). */
  server: RegExp;
  /** Absent: the converter rewrites the raw form. Present: the converter refuses it with this code, and `fix` is what its message suggests. */
  refused?: { code: CrdErrorCode; fix: unknown };
}

const unboundedWalk = { 'x-kubernetes-validations': [{ rule: "self.all(t, t.contains('x'))" }] };

const cases: Case[] = [
  {
    name: 'a field without a type (Type.Unknown())',
    raw: Type.Object({ values: Type.Unknown() }),
    server: /properties\[values\]\.type: Required value/,
    refused: { code: 'MISSING_TYPE', fix: Type.Object({ values: PreserveUnknownFields() }) },
  },
  {
    name: 'additionalProperties: false',
    raw: Type.Object({ a: Type.String() }, { additionalProperties: false }),
    server: /additionalProperties and properties are mutual exclusive/,
  },
  {
    name: 'additionalProperties beside properties',
    raw: Type.Object({ a: Type.String() }, { additionalProperties: Type.String() }),
    server: /additionalProperties and properties are mutual exclusive/,
    refused: {
      code: 'PROPERTIES_AND_ADDITIONAL_PROPERTIES',
      fix: Type.Object({ a: Type.String(), extra: Type.Record(Type.String(), Type.String()) }),
    },
  },
  {
    name: '$ref (Type.Ref)',
    raw: Type.Object({ a: Type.Ref('Name') }),
    server: /\$ref: Forbidden: \$ref is not supported/,
    refused: { code: 'REFERENCE', fix: Type.Object({ a: Type.String() }) },
  },
  {
    name: 'definitions',
    raw: { type: 'object', properties: { a: { type: 'string' } }, definitions: { Name: { type: 'string' } } },
    server: /definitions is not supported/,
    refused: { code: 'REFERENCE', fix: Type.Object({ a: Type.String() }) },
  },
  {
    name: 'uniqueItems: true',
    raw: Type.Object({ tags: Type.Array(Type.String(), { uniqueItems: true }) }),
    server: /uniqueItems cannot be set to true/,
  },
  { name: 'const (Type.Literal)', raw: Type.Object({ mode: Type.Literal('fast') }), server: /unknown field ".*\.const"/ },
  {
    name: 'type null (Type.Null())',
    raw: Type.Object({ nothing: Type.Null() }),
    server: /type cannot be set to null, use nullable/,
    refused: { code: 'NULL_TYPE', fix: Type.Object({ nothing: Type.Optional(Type.Union([Type.String(), Type.Null()])) }) },
  },
  {
    name: 'a nullable union (T | null)',
    raw: Type.Object({ n: Type.Union([Type.String(), Type.Null()]) }),
    server: /anyOf\[0\]\.type: Forbidden: must be empty to be structural/,
  },
  {
    name: 'a union of objects',
    raw: Type.Object({
      source: Type.Union([
        Type.Object({ kind: Type.Literal('git'), url: Type.String() }),
        Type.Object({ kind: Type.Literal('oci'), image: Type.String() }),
      ]),
    }),
    server: /(unknown field ".*const")|(must be empty to be structural)/,
  },
  {
    name: 'a union of literals',
    raw: Type.Object({ mode: Type.Union([Type.Literal('fast'), Type.Literal('safe')]) }),
    server: /unknown field ".*anyOf\[0\]\.const"/,
  },
  {
    name: 'integer | string',
    raw: Type.Object({ port: Type.Union([Type.Integer(), Type.String()]) }),
    server: /properties\[port\]\.type: Required value/,
  },
  {
    name: 'an intersection (Type.Intersect)',
    raw: Type.Object({ both: Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ b: Type.Integer() })]) }),
    server: /allOf\[0\]\.type: Forbidden: must be empty to be structural/,
  },
  {
    name: 'a numeric exclusiveMinimum',
    raw: Type.Object({ n: Type.Integer({ exclusiveMinimum: 0 }) }),
    server: /cannot unmarshal number .*exclusiveMinimum of type bool/,
  },
  {
    name: 'a record (patternProperties)',
    raw: Type.Object({ labels: Type.Record(Type.String(), Type.String()) }),
    server: /patternProperties is not supported/,
  },
  {
    name: 'an enum without a type (Type.Enum)',
    raw: Type.Object({ level: Type.Enum(['low', 'high']) }),
    server: /properties\[level\]\.type: Required value/,
  },
  {
    name: 'a tuple (Type.Tuple)',
    raw: Type.Object({ pair: Type.Tuple([Type.String(), Type.Integer()]) }),
    server: /additionalItems|items must be a schema object/,
    refused: { code: 'UNSUPPORTED_KEYWORD', fix: Type.Object({ pair: Type.Object({ first: Type.String(), second: Type.Integer() }) }) },
  },
  { name: 'examples', raw: Type.Object({ a: Type.String({ examples: ['x'] }) }), server: /unknown field ".*\.examples"/ },
  {
    name: 'readOnly',
    raw: Type.Object({ a: Type.String({ readOnly: true }) }),
    server: /unknown field ".*\.readOnly"/,
    refused: {
      code: 'UNSUPPORTED_KEYWORD',
      fix: Type.Object({
        a: Type.String({ maxLength: 10, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'is immutable' }] }),
      }),
    },
  },
  {
    name: 'x-kubernetes-preserve-unknown-fields: false',
    raw: Type.Object({ a: Type.Object({}, { 'x-kubernetes-preserve-unknown-fields': false }) }),
    server: /must be true or undefined/,
  },
  {
    name: 'a default that violates its schema',
    raw: Type.Object({ a: Type.String({ maxLength: 2, default: 'toolong' }) }),
    server: /default: Too long/,
    refused: { code: 'DEFAULT', fix: Type.Object({ a: Type.String({ maxLength: 2, default: 'ok' }) }) },
  },
  {
    name: 'an optional list-map key',
    raw: Type.Object({ ports: ListMap(Type.Object({ name: Type.Optional(Type.String()) }), ['name']) }),
    server: /must have a default or be a required property/,
    refused: { code: 'EXTENSION', fix: Type.Object({ ports: ListMap(Type.Object({ name: Type.String() }), ['name']) }) },
  },
  {
    name: 'a pattern with lookahead (not RE2)',
    raw: Type.Object({ user: Type.String({ pattern: '^(?!admin).*$' }) }),
    server: /must be a valid regular expression/,
    refused: {
      code: 'PATTERN',
      fix: Type.Object({ user: Type.String({ maxLength: 63, 'x-kubernetes-validations': [{ rule: "!self.startsWith('admin')" }] }) }),
    },
  },
  {
    name: 'nullable items of a set',
    raw: Type.Object({ tags: Type.Array(Type.String({ nullable: true }), { 'x-kubernetes-list-type': 'set' }) }),
    server: /cannot be nullable when x-kubernetes-list-type is set/,
    refused: { code: 'EXTENSION', fix: Type.Object({ tags: Type.Array(Type.String(), { 'x-kubernetes-list-type': 'set' }) }) },
  },
  {
    name: 'a CEL rule walking an unbounded list of unbounded strings',
    raw: Type.Object({ tags: Type.Array(Type.String(), unboundedWalk) }),
    server: /estimated rule cost exceeds budget/,
    refused: {
      code: 'CEL_COST',
      fix: Type.Object({ tags: Type.Array(Type.String({ maxLength: 63 }), { maxItems: 32, ...unboundedWalk }) }),
    },
  },
];

// At the top level, so that the shared cluster's client lives until the file's last test is done.
const cluster = await sharedCluster();

describe('structural-schema constructs, raw and converted, on a real API server', { concurrency: 4 }, () => {
  for (const c of cases) {
    test(c.name, async () => {
      const raw = JSON.parse(JSON.stringify(c.raw)) as unknown;
      const rawVerdict = await verdictOnSpec(cluster, raw);
      assert.equal(rawVerdict.accepted, false, 'the API server accepts the raw form: the converter need not touch it');
      if (!rawVerdict.accepted) assert.match(rawVerdict.message, c.server);

      let converted;
      if (c.refused) {
        assert.throws(
          () => toStructuralSchema(c.raw as never, 'spec'),
          (err) => err instanceof CrdError && err.code === c.refused?.code,
        );
        converted = toStructuralSchema(c.refused.fix as never, 'spec');
      } else {
        converted = toStructuralSchema(c.raw as never, 'spec');
        assert.notDeepEqual(converted, raw, 'the converter rewrote it');
      }
      assert.deepEqual(await verdictOnSpec(cluster, converted), { accepted: true });
    });
  }
});
