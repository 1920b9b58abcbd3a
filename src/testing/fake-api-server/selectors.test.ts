import assert from 'node:assert/strict';
import { test } from 'node:test';
import { objectFilter, SelectorError } from './selectors.ts';

const object = (name: string, labels?: Record<string, string>) => ({ metadata: { name, namespace: 'ns', ...(labels ? { labels } : {}) } });

test('label and field selectors select together', () => {
  const web = object('web', { tier: 'web' });
  const db = object('db', { tier: 'db', legacy: 'yes' });
  const bare = object('bare');
  const select = (labels?: string, fields?: string) => [web, db, bare].filter(objectFilter(labels, fields)).map((o) => o.metadata.name);
  assert.deepEqual(select('tier=web'), ['web']);
  assert.deepEqual(select('tier in (web,db)'), ['web', 'db']);
  assert.deepEqual(select('tier notin (web)'), ['db', 'bare']);
  assert.deepEqual(select('tier,!legacy'), ['web']);
  assert.deepEqual(select(undefined, 'metadata.name!=web,metadata.namespace=ns'), ['db', 'bare']);
  assert.deepEqual(select('tier', 'metadata.name==db'), ['db']);
});

test('a field the API server cannot select by is refused', () => {
  assert.throws(() => objectFilter(undefined, 'spec.name=x'), SelectorError);
  assert.throws(() => objectFilter('tier in ()', undefined), SelectorError);
});
