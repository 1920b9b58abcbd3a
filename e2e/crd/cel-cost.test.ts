// The converter's CEL cost verdicts against the API server's, on pairs of rules just either side of the
// limits: where the server accepts, the converter accepts; where the server refuses (per rule, or for the
// whole CRD), the converter refuses too, before the server is ever asked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type, { type TSchema } from 'typebox';
import { CrdError, toStructuralSchema } from '../../src/crd/index.ts';
import { sharedCluster } from '../support/cluster.ts';
import { verdictOnSpec } from './support.ts';

const rule = (r: string) => ({ 'x-kubernetes-validations': [{ rule: r }] });
const contains = rule('self.all(x, x.contains("a string"))');
const lists = (n: number) =>
  Type.Object(Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, Type.Array(Type.String({ maxLength: 8 }), contains)])));
const comparisons = (n: number) =>
  Array(n / 4)
    .fill('self > 0 && self < 5 && self != 3 && self != 4')
    .join(' && ');

// [what, spec schema, the verdict both must reach]
const pairs: Array<[string, TSchema, 'accepted' | 'per rule' | 'per CRD']> = [
  ['all(contains) over unbounded strings ≤ 8', Type.Object({ a: Type.Array(Type.String({ maxLength: 8 }), contains) }), 'accepted'],
  ['all(contains) over unbounded strings ≤ 16', Type.Object({ a: Type.Array(Type.String({ maxLength: 16 }), contains) }), 'per rule'],
  ['all(contains) over 25 strings of any length', Type.Object({ a: Type.Array(Type.String(), { maxItems: 25, ...contains }) }), 'accepted'],
  ['all(contains) over unbounded strings of any length', Type.Object({ a: Type.Array(Type.String(), contains) }), 'per rule'],
  [
    'contains on each of unbounded strings ≤ 16',
    Type.Object({ a: Type.Array(Type.String({ maxLength: 16, ...rule('self.contains("a string")') })) }),
    'accepted',
  ],
  [
    'contains on each of unbounded strings ≤ 32',
    Type.Object({ a: Type.Array(Type.String({ maxLength: 32, ...rule('self.contains("a string")') })) }),
    'per rule',
  ],
  ['four comparisons on each of unbounded integers', Type.Object({ a: Type.Array(Type.Integer(rule(comparisons(4)))) }), 'accepted'],
  ['eight comparisons on each of unbounded integers', Type.Object({ a: Type.Array(Type.Integer(rule(comparisons(8)))) }), 'per rule'],
  ['exists over unbounded integers', Type.Object({ a: Type.Array(Type.Integer(), rule('self.exists(x, x > 0)')) }), 'accepted'],
  ['map over unbounded integers', Type.Object({ a: Type.Array(Type.Integer(), rule('self.map(x, x).size() > 0')) }), 'per rule'],
  ['11 rules just under the per-rule limit', lists(11), 'accepted'],
  ['12 rules just under the per-rule limit', lists(12), 'per CRD'],
];

const serverSays = {
  'per rule': /estimated rule cost exceeds budget/,
  'per CRD': /contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema/,
};
const capstanSays = { 'per rule': /per rule/, 'per CRD': /per CRD/ };

const cluster = await sharedCluster();

describe('CEL cost: the converter and the API server agree', { concurrency: 4 }, () => {
  for (const [what, schema, verdict] of pairs) {
    test(`${what}: ${verdict === 'accepted' ? 'accepted' : `refused ${verdict}`}`, async () => {
      // These schemas are structural as typebox writes them, so the server judges exactly what was written.
      const server = await verdictOnSpec(cluster, JSON.parse(JSON.stringify(schema)));
      let converter: unknown;
      try {
        toStructuralSchema(schema, 'spec');
      } catch (err) {
        converter = err;
      }
      if (verdict === 'accepted') {
        assert.deepEqual(server, { accepted: true });
        assert.equal(converter, undefined);
      } else {
        assert.equal(server.accepted, false);
        if (!server.accepted) assert.match(server.message, serverSays[verdict]);
        assert.ok(converter instanceof CrdError && converter.code === 'CEL_COST', String(converter));
        assert.match(converter.message, capstanSays[verdict]);
      }
    });
  }
});
