import { type KubeObject, type OwnerReference, type ResourceDescriptor, UsageError } from '../core/index.ts';

/**
 * The controller ownerReference to put on a child of `owner`: the child is garbage-collected with its
 * owner, and `blockOwnerDeletion` keeps a foreground deletion of the owner waiting for it.
 *
 * @example
 * ```ts
 * import { ownerReferenceTo } from 'capstan/controller';
 * const hw = { apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', metadata: { name: 'hello', uid: '1234' } };
 * const ref = ownerReferenceTo(hw);
 * // { apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', name: 'hello', uid: '1234', controller: true, blockOwnerDeletion: true }
 * ```
 */
export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  const { name, uid } = owner.metadata;
  const { apiVersion, kind } = owner;
  if (!name || !uid || !apiVersion || !kind) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `ownerReferenceTo: the owner needs apiVersion, kind, metadata.name and metadata.uid (read it from the API or the cache), got ${JSON.stringify({ apiVersion, kind, ...owner.metadata })}`,
    );
  }
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/**
 * The ownerReference marked `controller: true`, if any (there is at most one): the object that manages this one.
 *
 * @example
 * ```ts
 * import { controllerReferenceOf } from 'capstan/controller';
 * const pod = { metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: '42', controller: true }] } };
 * console.log(controllerReferenceOf(pod)?.kind); // 'ReplicaSet'
 * ```
 */
export function controllerReferenceOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

/** The group of an `apiVersion` (`''` for the core group's `v1`). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * True when `object`'s controller reference points at an object of `kind`, matched on group and kind but
 * not version, so that a reference written as v1beta1 still counts after the owner moves to v1.
 *
 * @example
 * ```ts
 * import { isControlledByKind } from 'capstan/controller';
 * import { Deployment } from 'capstan/kinds/apps/v1';
 * const replicaSet = { metadata: { name: 'web-7d9c5', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '42', controller: true }] } };
 * console.log(isControlledByKind(replicaSet, Deployment)); // true
 * ```
 */
export function isControlledByKind(object: KubeObject, kind: Pick<ResourceDescriptor, 'group' | 'kind'>): boolean {
  const ref = controllerReferenceOf(object);
  return ref !== undefined && ref.kind === kind.kind && groupOf(ref.apiVersion) === kind.group;
}

/**
 * True when `owner` (by uid) is `object`'s controller: an object of the same name deleted and created again has
 * another uid, so a child it left behind does not count.
 *
 * @example
 * ```ts
 * import { isControlledBy, ownerReferenceTo } from 'capstan/controller';
 * const owner = { apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', metadata: { name: 'hello', uid: '1234' } };
 * const child = { metadata: { name: 'hello', ownerReferences: [ownerReferenceTo(owner)] } };
 * console.log(isControlledBy(child, owner)); // true
 * ```
 */
export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  const ref = controllerReferenceOf(object);
  return ref !== undefined && owner.metadata.uid !== undefined && ref.uid === owner.metadata.uid;
}
