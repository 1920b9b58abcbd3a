// The cost estimate against what kube-apiserver v1.36.3 said about the same rules (dry-run CRD creates,
// fieldValidation=Strict): "estimated rule cost exceeds budget by factor of N x" gives the server's
// estimate as N × 10,000,000 (rounded to one decimal, or printed in full near 1); "accepted" means under
// 10,000,000. e2e/crd/cel-cost.test.ts re-checks a sample of these verdicts on a live server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimateRuleCosts } from './cel-rules.ts';
import type { StructuralSchema } from './structural-schema.ts';

const str = (maxLength?: number): StructuralSchema => (maxLength === undefined ? { type: 'string' } : { type: 'string', maxLength });
const int: StructuralSchema = { type: 'integer' };
/** A rule on an unbounded list `spec.a` of `items`. */
const onList = (items: StructuralSchema, rule: string): StructuralSchema => ({
  type: 'array',
  items,
  'x-kubernetes-validations': [{ rule }],
});
/** A rule on each item of an unbounded list `spec.a`. */
const onItems = (items: StructuralSchema, rule: string): StructuralSchema => ({
  type: 'array',
  items: { ...items, 'x-kubernetes-validations': [{ rule }] },
});

function estimate(a: StructuralSchema): number {
  const [only] = estimateRuleCosts({ type: 'object', properties: { a } }, 'spec');
  assert.ok(only, 'one rule');
  return only.cost * only.cardinality;
}

// [name, schema of spec.a, the server's verdict: a factor of the 10M limit, or 'accepted']
const measured: Array<[string, StructuralSchema, number | 'accepted']> = [
  ['all contains, strings ≤ 8', onList(str(8), 'self.all(x, x.contains("a string"))'), 'accepted'],
  ['all contains, strings ≤ 16', onList(str(16), 'self.all(x, x.contains("a string"))'), 1.153433],
  ['all contains, strings ≤ 64', onList(str(64), 'self.all(x, x.contains("a string"))'), 3.1],
  ['all contains, strings ≤ 256', onList(str(256), 'self.all(x, x.contains("a string"))'), 11.2],
  ['all contains, 25 unbounded strings', { ...onList(str(), 'self.all(x, x.contains("a string"))'), maxItems: 25 }, 'accepted'],
  ['all ==, strings ≤ 256', onList(str(256), 'self.all(x, x == "a string")'), 'accepted'],
  ['all startsWith (78 characters)', onList(str(64), `self.all(x, x.startsWith("${'abcdefghijklmnopqrstuvwxyz'.repeat(3)}"))`), 1.25829],
  ['all lowerAscii ==', onList(str(64), 'self.all(x, x.lowerAscii() == "a")'), 3.3],
  ['all split', onList(str(64), 'self.all(x, x.split(",").size() > 0)'), 6.1],
  ['all indexOf', onList(str(64), 'self.all(x, x.indexOf("a") > 0)'), 3.3],
  ['all string +', onList(str(64), 'self.all(x, (x + "a").size() > 0)'), 3.4],
  ['all x > 0 on integers', onList(int, 'self.all(x, x > 0)'), 'accepted'],
  ['all with three comparisons', onList(int, 'self.all(x, x > 0 && x < 5 && x != 3)'), 1.258291],
  ['all with twelve comparisons', onList(int, `self.all(x, ${Array(3).fill('x > 0 && x < 5 && x != 3 && x != 4').join(' && ')})`), 3.3],
  ['all with a conditional', onList(int, 'self.all(x, x > 0 ? x < 5 && x < 6 && x < 7 : x < 6)'), 1.7],
  ['exists', onList(int, 'self.exists(x, x > 0)'), 'accepted'],
  ['exists_one', onList(int, 'self.exists_one(x, x > 0)'), 'accepted'],
  ['map', onList(int, 'self.map(x, x).size() > 0'), 2.0],
  ['map with arithmetic', onList(int, 'self.map(x, x + 1 + 2 + 3 + 4).size() > 0'), 2.7],
  ['filter', onList(int, 'self.filter(x, x > 0).size() > 0'), 2.4],
  ['in', onList(str(64), '"abc" in self'), 'accepted'],
  ['size', onList(str(64), 'self.size() > 0 && self.size() > 1 && self.size() > 2 && self.size() > 3'), 'accepted'],
  [
    "all over a map's keys",
    { type: 'object', additionalProperties: str(), 'x-kubernetes-validations': [{ rule: "self.all(k, k.startsWith('x'))" }] },
    'accepted',
  ],
  ['nested all, 100 items', { ...onList(int, 'self.all(x, self.all(y, x != y || true))'), maxItems: 100 }, 'accepted'],
  [
    'all over objects with a bounded field',
    onList({ type: 'object', properties: { n: str(8) } }, 'self.all(x, x.n.contains("abc"))'),
    'accepted',
  ],
  ['item contains, strings ≤ 16', onItems(str(16), 'self.contains("a string")'), 'accepted'],
  ['item contains, strings ≤ 32', onItems(str(32), 'self.contains("a string")'), 1.468006],
  ['item contains, strings ≤ 64', onItems(str(64), 'self.contains("a string")'), 2.8],
  ['item contains, strings ≤ 128', onItems(str(128), 'self.contains("a string")'), 5.6],
  ['item matches, strings ≤ 64', onItems(str(64), 'self.matches("^[a-z]+$")'), 5.6],
  ['item with four comparisons', onItems(int, 'self > 0 && self < 5 && self != 3 && self != 4'), 'accepted'],
  ['item with eight comparisons', onItems(int, `${Array(2).fill('self > 0 && self < 5 && self != 3 && self != 4').join(' && ')}`), 1.9],
  [
    'item object fields',
    onItems({ type: 'object', properties: { n: int, m: int } }, 'self.n > 0 && self.m > 0 && self.n < 5 && self.m < 5 && has(self.n)'),
    1.363149,
  ],
  ['item object, startsWith', onItems({ type: 'object', properties: { n: str() } }, "self.n.startsWith('x')"), 'accepted'],
  [
    'matches on one unbounded string',
    { ...str(), 'x-kubernetes-validations': [{ rule: "self.matches('^[a-z]+[0-9]*[a-z]+[0-9]*[a-z]+[0-9]*[a-z]+[0-9]*$')" }] },
    'accepted',
  ],
];

describe('the CEL cost estimate matches kube-apiserver v1.36.3', () => {
  for (const [name, schema, verdict] of measured) {
    test(`${name}: ${verdict === 'accepted' ? 'accepted' : `${verdict}x the limit`}`, () => {
      const cost = estimate(schema);
      if (verdict === 'accepted') {
        assert.ok(cost <= 10_000_000, `estimated ${cost}, the server accepted it`);
      } else {
        const factor = cost / 10_000_000;
        // One decimal when the server printed one; otherwise the server's full figure to 0.1 %.
        if (String(verdict).length <= 4) assert.equal(Number(factor.toFixed(1)), verdict, `estimated factor ${factor}`);
        else assert.ok(Math.abs(factor - verdict) / verdict < 0.001, `estimated factor ${factor}, server ${verdict}`);
      }
    });
  }
});

describe('estimates name the missing bounds they assumed', () => {
  test('an unbounded list of unbounded strings names both', () => {
    const [only] = estimateRuleCosts({ type: 'object', properties: { a: onList(str(), 'self.all(x, x.contains("a"))') } }, 'spec');
    assert.deepEqual(only?.notes, [
      'spec.a has no maxItems (the server assumes 1,048,575 items)',
      'spec.a[*] has no maxLength (the server assumes 3,145,726 characters)',
    ]);
  });

  test('a rule on items of an unbounded list names the list as the reason it repeats', () => {
    const [only] = estimateRuleCosts({ type: 'object', properties: { a: onItems(str(64), 'self.contains("a")') } }, 'spec');
    assert.equal(only?.cardinality, 1_048_576);
    assert.deepEqual(only?.notes, ['spec.a has no maxItems, so a rule below it may run 1,048,576 times']);
  });
});
