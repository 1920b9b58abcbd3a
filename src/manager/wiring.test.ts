import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../cache/index.ts';
import { controller, done } from '../controller/index.ts';
import { defineKind, type Kind, type KubeObject } from '../core/index.ts';
import { ConfigMap, Namespace, Secret } from '../kinds/core/v1.ts';
import type { CacheScope, ManagedCache } from './caches.ts';
import { cacheKey } from './caches.ts';
import { wire } from './wiring.ts';

const Widget = defineKind<KubeObject>({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });

/** A share function that records the scopes asked for, one MemoryStore per distinct kind and scope. */
function recorder() {
  const made = new Map<string, { kind: string; scope: CacheScope }>();
  const share = (kind: Kind, scope: CacheScope): ManagedCache<KubeObject> => {
    const key = cacheKey(kind, scope);
    if (!made.has(key)) made.set(key, { kind: kind.kind, scope });
    return Object.assign(new MemoryStore<KubeObject>(), { run: async () => undefined, waitForSync: async () => undefined });
  };
  return { made, share };
}

test('per-kind scopes as declared: label and field selectors, metadata only, a namespace of its own, live reads uncached', () => {
  const { made, share } = recorder();
  const definition = controller(Widget)
    .owns(ConfigMap, { labelSelector: 'app=w' })
    .watches(Secret, () => [], { fieldSelector: 'type=kubernetes.io/tls', metadataOnly: true })
    .reads(ConfigMap, { namespace: 'shared-config' })
    .reads(Secret, { live: true })
    .reconcile(async () => done());
  const wiring = wire(definition, share, undefined);
  assert.deepEqual(
    [...made.values()].map((m) => `${m.kind} ${JSON.stringify(m.scope)}`),
    [
      'Widget {}',
      'ConfigMap {"labelSelector":"app=w"}',
      'Secret {"fieldSelector":"type=kubernetes.io/tls","metadataOnly":true}',
      'ConfigMap {"namespace":"shared-config"}',
    ],
  );
  assert.deepEqual(
    wiring.reads.map((r) => [r.kind.kind, r.declaredBy, r.cache === undefined ? 'live' : 'cached']),
    [
      ['Widget', 'controller(Widget)', 'cached'],
      ['ConfigMap', ".owns(ConfigMap, { labelSelector: 'app=w' })", 'cached'],
      ['Secret', '.watches(Secret)', 'cached'],
      ['ConfigMap', ".reads(ConfigMap, { namespace: 'shared-config' })", 'cached'],
      ['Secret', '.reads(Secret, { live: true })', 'live'],
    ],
  );
});

test('a set of namespaces: one cache per namespace and namespaced kind, read as one; cluster-scoped kinds once', () => {
  const { made, share } = recorder();
  const definition = controller(Widget)
    .reads(Namespace)
    .reconcile(async () => done());
  const wiring = wire(definition, share, ['a', 'b']);
  assert.deepEqual(
    [...made.values()].map((m) => `${m.kind} ${m.scope.namespace ?? '*'}`),
    ['Widget a', 'Widget b', 'Namespace *'],
  );
  assert.equal(wiring.primary.name, 'namespaces a, b');
});
