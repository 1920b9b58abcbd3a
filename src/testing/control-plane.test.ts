import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeFlags } from './control-plane.ts';
import { assetsKey } from './assets.ts';
import { controllersFlag } from './built-in-controllers.ts';
import { isCapstanError } from '../core/index.ts';

test('a flag given by the caller replaces the default of the same name and keeps the others', () => {
  const merged = mergeFlags(['--watch-cache=true', '--secure-port=1', '--profiling=false'], ['--watch-cache=false', '--v=4']);
  assert.deepEqual(merged, ['--watch-cache=false', '--secure-port=1', '--profiling=false', '--v=4']);
});

test('the assets cache key changes with every pinned version', () => {
  const base = { kubernetes: 'v1.36.3', etcd: 'v3.6.16', go: '1.26.8' };
  const key = assetsKey(base);
  assert.match(key, /^k8s-v1\.36\.3-etcd-v3\.6\.16-go1\.26\.8-[0-9a-f]{10}$/);
  assert.equal(assetsKey({ ...base }), key, 'deterministic');
  for (const changed of [{ kubernetes: 'v1.36.4' }, { etcd: 'v3.6.17' }, { go: '1.26.9' }]) {
    assert.notEqual(assetsKey({ ...base, ...changed }), key);
  }
});

test('kube-controller-manager runs the garbage collector and namespace controller, plus the controllers asked for', () => {
  assert.equal(controllersFlag([]), '--controllers=garbage-collector-controller,namespace-controller');
  assert.equal(
    controllersFlag(['deployment', 'replicaset', 'deployment', 'endpointslice']),
    '--controllers=garbage-collector-controller,namespace-controller,deployment-controller,replicaset-controller,endpointslice-controller',
  );
  assert.throws(
    () => controllersFlag(['deployments', 'node-lifecycle']),
    (err: unknown) =>
      isCapstanError(err) &&
      err.code === 'INVALID_ARGUMENT' &&
      /'deployments', 'node-lifecycle'.*choose from deployment,/.test(err.message),
  );
});
