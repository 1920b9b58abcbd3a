import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLabelSelector, LabelSelectorError, matchesLabelSelector } from './label-selector.ts';

test('a structured selector formats to the API string form, values sorted', () => {
  assert.equal(
    formatLabelSelector({
      matchLabels: { app: 'web', tier: 'front' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
        { key: 'owned', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    }),
    'app=web,tier=front,env in (dev,prod),zone notin (b),owned,!legacy',
  );
  assert.equal(formatLabelSelector('a=b'), 'a=b');
  assert.equal(formatLabelSelector({}), '');
});

test('In and NotIn without values are refused with the key named', () => {
  assert.throws(
    () => formatLabelSelector({ matchExpressions: [{ key: 'env', operator: 'In', values: [] }] }),
    (err: unknown) => err instanceof LabelSelectorError && /env In/.test(err.message),
  );
});

test('matching follows the API server: empty matches all, NotIn matches absent labels', () => {
  assert.equal(matchesLabelSelector(undefined, {}), true);
  assert.equal(matchesLabelSelector({ app: 'web' }, { matchLabels: { app: 'web' } }), true);
  assert.equal(matchesLabelSelector({ app: 'api' }, { matchLabels: { app: 'web' } }), false);
  assert.equal(matchesLabelSelector({}, { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }), true);
  assert.equal(matchesLabelSelector({ zone: 'b' }, { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }), false);
  assert.equal(matchesLabelSelector({ env: 'dev' }, { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }), false);
  assert.equal(matchesLabelSelector({ owned: '' }, { matchExpressions: [{ key: 'owned', operator: 'Exists' }] }), true);
  assert.equal(matchesLabelSelector({ legacy: 'x' }, { matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] }), false);
});
