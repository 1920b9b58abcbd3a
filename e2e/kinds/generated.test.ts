// src/kinds/ is generated from the pinned kube-apiserver's OpenAPI v3 (scripts/generate-kinds.ts): prove the
// committed files are what this API server generates, so a Kubernetes bump or a generator change cannot go unseen.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { committedKinds, generateKinds } from '../../scripts/generate-kinds.ts';
import { sharedCluster } from '../support/cluster.ts';

const fix = 'run `node scripts/generate-kinds.ts --write` and commit src/kinds/';

test('src/kinds/ is what the pinned kube-apiserver generates', { timeout: 60_000 }, async () => {
  const cluster = await sharedCluster();
  const generated = await generateKinds(cluster.admin);
  const committed = await committedKinds();
  assert.deepEqual([...committed.keys()].sort(), [...generated.keys()].sort(), `src/kinds/ has missing or extra files: ${fix}`);
  const stale = [...generated].filter(([path, text]) => committed.get(path) !== text).map(([path]) => path);
  assert.deepEqual(stale, [], `these generated files are out of date: ${fix}`);
});
