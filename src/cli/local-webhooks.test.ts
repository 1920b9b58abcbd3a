import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineKind, type KubeObject } from '../core/index.ts';
import { webhook, webhookConfigurations } from '../webhook/index.ts';
import { isLocalServer } from './local-webhooks.ts';

test('a loopback url is registered only with an API server on this machine', () => {
  for (const server of ['https://127.0.0.1:6443', 'https://localhost:443', 'https://[::1]:6443', 'https://127.0.1.1']) {
    assert.equal(isLocalServer(server), true, server);
  }
  for (const server of ['https://10.0.0.1:6443', 'https://api.example.com', 'https://[2001:db8::1]:6443']) {
    assert.equal(isLocalServer(server), false, server);
  }
});

test('registrations for a run with namespaces select those namespaces only', () => {
  const Gadget = defineKind<KubeObject>({ group: 'g.test', version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true });
  const { validating, mutating } = webhookConfigurations([webhook(Gadget).validate(() => undefined)], {
    name: 'op-local',
    clientConfig: { url: 'https://127.0.0.1:9443/', caBundle: 'Q0E=' },
    namespaces: ['a', 'b'],
  });
  assert.equal(mutating, undefined);
  const [entry] = validating!.webhooks!;
  assert.equal(entry!.clientConfig.url, 'https://127.0.0.1:9443/validate-g-test-v1-gadget');
  assert.deepEqual(entry!.namespaceSelector, {
    matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'b'] }],
  });
  assert.deepEqual(entry!.rules, [
    { apiGroups: ['g.test'], apiVersions: ['v1'], resources: ['gadgets'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
  ]);
});
