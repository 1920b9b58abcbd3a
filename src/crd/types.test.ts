// Type-level tests: `tsc --noEmit` (part of `npm test`) fails if a static type drifts from what the API
// server sends. The runtime assertions only keep node:test honest that the file ran.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Type, { type Static } from 'typebox';
import type { Condition, KubeObject, ObjectMeta, ObjectOf } from '../core/index.ts';
import { type ConditionSchema, Conditions } from './conditions.ts';
import { customResource, type SpecOf, type StatusOf } from './declaration.ts';
import { type EmbeddedResource, type IntOrString, ListMap, MapOf, type PreserveUnknownFields } from './kubernetes-schemas.ts';

/** True only when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<_T extends true>(): true {
  return true;
}

const HelloWorld = customResource({
  group: 'apps.example.com',
  version: 'v1alpha1',
  kind: 'HelloWorld',
  shortNames: ['hw'],
  spec: Type.Object({ name: Type.String({ maxLength: 253 }) }),
  status: Type.Object({ observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })), conditions: Type.Optional(Conditions()) }),
});

test('ObjectOf (from capstan/core) of a declaration is the object the API server sends', () => {
  type Expected = {
    apiVersion: 'apps.example.com/v1alpha1';
    kind: 'HelloWorld';
    metadata: ObjectMeta;
    spec: { name: string };
    status?: { observedGeneration?: number; conditions?: Condition[] };
  };
  assert.ok(expectType<Equal<ObjectOf<typeof HelloWorld>, Expected>>());
  assert.ok(expectType<Equal<SpecOf<typeof HelloWorld>, { name: string }>>());
  assert.ok(expectType<Equal<StatusOf<typeof HelloWorld>, Expected['status'] & {}>>());
  // It is a KubeObject, so every layer that takes Kind<T extends KubeObject> takes the declaration.
  const asKubeObject: KubeObject = {} as ObjectOf<typeof HelloWorld>;
  assert.ok(asKubeObject);
  assert.equal(HelloWorld.apiVersion, 'apps.example.com/v1alpha1');
});

test('a declaration without status has no status field', () => {
  const Plain = customResource({
    group: 'example.com',
    version: 'v1',
    kind: 'Plain',
    spec: Type.Object({ n: Type.Optional(Type.Integer()) }),
  });
  assert.ok(
    expectType<
      Equal<ObjectOf<typeof Plain>, { apiVersion: 'example.com/v1'; kind: 'Plain'; metadata: ObjectMeta; spec: { n?: number } }>
    >(),
  );
  assert.ok(expectType<Equal<StatusOf<typeof Plain>, never>>());
  assert.equal(Plain.status, undefined);
});

test('the conditions schema types as metav1.Condition (Condition in capstan/core)', () => {
  assert.ok(expectType<Equal<Static<typeof ConditionSchema>, Condition>>());
  assert.ok(expectType<Equal<Static<ReturnType<typeof Conditions>>, Condition[]>>());
});

test('the Kubernetes schema helpers type as the JSON they accept', () => {
  assert.ok(expectType<Equal<Static<ReturnType<typeof IntOrString>>, number | string>>());
  assert.ok(expectType<Equal<Static<ReturnType<typeof PreserveUnknownFields>>, Record<string, unknown>>>());
  assert.ok(expectType<Equal<Static<ReturnType<typeof EmbeddedResource>>['apiVersion'], string>>());
  const labels = MapOf(Type.Integer());
  assert.ok(expectType<Equal<Static<typeof labels>, Record<string, number>>>());
  assert.equal((labels as { type?: string }).type, 'object');
  const ports = ListMap(Type.Object({ name: Type.String(), port: Type.Integer() }), ['name']);
  assert.ok(expectType<Equal<Static<typeof ports>, Array<{ name: string; port: number }>>>());
  assert.equal(ports.type, 'array');
  // @ts-expect-error list-map keys are fields of the item
  ListMap(Type.Object({ name: Type.String() }), ['nmae']);
});
