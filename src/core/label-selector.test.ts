import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLabelSelector, LabelSelectorError, matchesLabelSelector, parseLabelSelector } from './label-selector.ts';

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

test('parseLabelSelector reads the API string form, and formatLabelSelector writes it back', () => {
  const text = 'app=web,tier in (api, web),env!=prod,!legacy,canary,owner==me,zone notin (a)';
  const parsed = parseLabelSelector(text);
  assert.deepEqual(parsed, {
    matchLabels: { app: 'web', owner: 'me' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['api', 'web'] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'legacy', operator: 'DoesNotExist' },
      { key: 'canary', operator: 'Exists' },
      { key: 'zone', operator: 'NotIn', values: ['a'] },
    ],
  });
  assert.equal(matchesLabelSelector({ app: 'web', owner: 'me', tier: 'api', canary: '' }, parsed), true);
  assert.equal(matchesLabelSelector({ app: 'web', owner: 'me', tier: 'api', canary: '', env: 'prod' }, parsed), false);
  assert.deepEqual(parseLabelSelector(''), {});
  assert.deepEqual(parseLabelSelector(formatLabelSelector(parsed)), parsed);
  assert.throws(() => parseLabelSelector('a in ()'), { code: 'INVALID_LABEL_SELECTOR' });
  assert.throws(() => parseLabelSelector('a=b=c'), { code: 'INVALID_LABEL_SELECTOR' });
});
