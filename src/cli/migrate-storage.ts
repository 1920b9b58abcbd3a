// `capstan migrate-storage <crd>`: every stored object of a CRD rewritten in its current storage version, then
// the older versions dropped from `status.storedVersions`, as kube-storage-version-migrator does it.
//
// Why an unchanged update is enough: the API server encodes the object it is about to write in the CRD's
// storage version and compares those bytes with the stored ones; it skips the write only when they are equal
// (k8s.io/apiserver, etcd3 store, GuaranteedUpdate). An object stored as v1 and encoded as v2 differs at least
// in `apiVersion`, so it is written; an object already stored as v2 is left alone (its resourceVersion stays,
// which is how "already current" is told from "rewritten").
//
// Why storedVersions is trimmed last, and only after every object succeeded: a version listed there may still
// be in etcd, and the API server refuses to drop a version from `spec.versions` while it is listed. Trimming it
// before the last old object is rewritten would let that version be removed with objects still stored in it,
// which then cannot be read.
import type { KubeClient, ResourceClient } from '../client/index.ts';
import { isApiError, isConflict, isExpired, isNotFound } from '../client/index.ts';
import { defineKind, type KubeObject } from '../core/index.ts';
import { CliFailure } from './failure.ts';
import { connectTarget, describeTarget } from './kube-target.ts';

/** The flags of `capstan migrate-storage`. */
export interface MigrateStorageFlags {
  kubeconfig?: string;
  context?: string;
  dryRun?: boolean;
  pageSize: string;
}

/** What the command needs of a CRD as the API server returns it. */
export interface StoredCrd extends KubeObject {
  metadata: KubeObject['metadata'] & { name: string; resourceVersion?: string };
  spec: {
    group: string;
    names: { kind: string; plural: string };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<{ name: string; served: boolean; storage: boolean }>;
  };
  status?: { storedVersions?: string[] };
}

/** What a migration of one CRD will do, decided from the CRD alone. */
export interface MigrationPlan {
  crdName: string;
  group: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  storageVersion: string;
  storedVersionsBefore: readonly string[];
  /** False when `storedVersions` is already just the storage version: nothing to rewrite. */
  needed: boolean;
}

/** How each object fared. */
export interface MigrationCounts {
  /** Written anew, in the storage version (its resourceVersion changed). */
  rewritten: number;
  /** Already stored in the storage version: the API server wrote nothing. */
  current: number;
  /** Deleted between the listing and their rewrite. */
  skipped: number;
  /** Could not be rewritten; each is in `failures`. */
  failed: number;
}

/** The outcome of {@link migrateStoredObjects}. */
export interface MigrationReport extends MigrationCounts {
  plan: MigrationPlan;
  failures: Array<{ object: string; message: string }>;
  storedVersionsAfter: readonly string[];
  dryRun: boolean;
}

/** Options of {@link migrateStoredObjects}. */
export interface MigrationOptions {
  /** Objects per list request (default 500). */
  pageSize?: number;
  /** Send every update with `dryRun=All` and leave `storedVersions` alone. */
  dryRun?: boolean;
  /** Attempts per object when it keeps changing under us (409 Conflict); default 5. */
  conflictAttempts?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

const CustomResourceDefinitions = defineKind<StoredCrd>({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
});

/**
 * What migrating `crd` means: its storage version, its `storedVersions` now, and whether anything is left to do.
 * Throws a {@link CliFailure} when the CRD has no storage version (the API server never serves such a CRD).
 */
export function planMigration(crd: StoredCrd): MigrationPlan {
  const storage = crd.spec.versions.filter((v) => v.storage);
  if (storage.length !== 1) {
    throw new CliFailure(
      `${crd.metadata.name} has ${storage.length} storage versions; a CRD needs exactly one (spec.versions[].storage): fix the CRD first`,
    );
  }
  const storageVersion = storage[0]!.name;
  const storedVersionsBefore = crd.status?.storedVersions ?? [];
  return {
    crdName: crd.metadata.name,
    group: crd.spec.group,
    plural: crd.spec.names.plural,
    kind: crd.spec.names.kind,
    namespaced: crd.spec.scope === 'Namespaced',
    storageVersion,
    storedVersionsBefore,
    needed: !(storedVersionsBefore.length === 1 && storedVersionsBefore[0] === storageVersion),
  };
}

/**
 * The one line that ends a migration: how many objects were rewritten, already current, skipped and failed,
 * and `storedVersions` before and after.
 */
export function summaryLine(report: MigrationReport): string {
  const { plan } = report;
  const would = report.dryRun ? 'would be ' : '';
  const versions = (list: readonly string[]) => `[${list.join(', ')}]`;
  const after =
    report.dryRun && report.failed === 0
      ? `storedVersions ${versions(plan.storedVersionsBefore)} would become [${plan.storageVersion}]`
      : `storedVersions ${versions(plan.storedVersionsBefore)} → ${versions(report.storedVersionsAfter)}`;
  return (
    `${plan.crdName}${report.dryRun ? ' (dry run)' : ''}: ${report.rewritten} ${would}rewritten in ${plan.storageVersion}, ` +
    `${report.current} already in ${plan.storageVersion}, ${report.skipped} skipped (deleted meanwhile), ${report.failed} failed; ${after}`
  );
}

/**
 * Rewrite every stored object of the CRD `crdName` in its storage version (an unchanged update of each, page by
 * page across all namespaces), then set `status.storedVersions` to the storage version alone, through the
 * CRD's status subresource with a resourceVersion precondition. An object changed meanwhile is read again and
 * retried; one deleted meanwhile is skipped. If any object fails, `storedVersions` is left as it was.
 *
 * Run it once every API server uses the CRD's current storage version (a moment after the CRD changed): an API
 * server that still used the old one would write the old version again.
 */
export async function migrateStoredObjects(client: KubeClient, crdName: string, options: MigrationOptions = {}): Promise<MigrationReport> {
  const log = options.log ?? (() => undefined);
  const crds = client.resource(CustomResourceDefinitions);
  const crd = await crds.get(crdName, { signal: options.signal }).catch((err: unknown) => {
    if (isNotFound(err))
      throw new CliFailure(`there is no CRD named ${crdName}: \`kubectl get crds\` lists them (a CRD is named <plural>.<group>)`);
    throw refusal(err, `read the CRD ${crdName}`, 'get on customresourcedefinitions');
  });
  const plan = planMigration(crd);
  const report: MigrationReport = {
    plan,
    rewritten: 0,
    current: 0,
    skipped: 0,
    failed: 0,
    failures: [],
    storedVersionsAfter: plan.storedVersionsBefore,
    dryRun: options.dryRun ?? false,
  };
  if (!plan.needed) return report;
  await checkRights(client, plan, options.signal);

  const objects = client.resource(
    defineKind({ group: plan.group, version: plan.storageVersion, kind: plan.kind, plural: plan.plural, namespaced: plan.namespaced }),
  );
  for await (const object of everyObject(objects, plan, options.pageSize ?? 500, log, options.signal)) {
    const outcome = await rewrite(objects, object, options);
    if (outcome.kind === 'failed') {
      report.failed++;
      report.failures.push({ object: outcome.object, message: outcome.message });
      log(`cannot rewrite ${outcome.object}: ${outcome.message}`);
    } else {
      report[outcome.kind]++;
    }
  }
  if (report.failed > 0 || report.dryRun) return report;

  report.storedVersionsAfter = await trimStoredVersions(crds, crd, plan, options.signal);
  return report;
}

type Outcome = { kind: 'rewritten' | 'current' | 'skipped' } | { kind: 'failed'; object: string; message: string };

/** Every object of the kind, page by page; a listing whose continue token expired starts again (a second rewrite is a no-op). */
async function* everyObject(
  objects: ResourceClient<KubeObject>,
  plan: MigrationPlan,
  pageSize: number,
  log: (line: string) => void,
  signal: AbortSignal | undefined,
): AsyncGenerator<KubeObject> {
  let continueToken: string | undefined;
  do {
    let page;
    try {
      page = await objects.list({ limit: pageSize, continueToken, signal });
    } catch (err) {
      if (continueToken !== undefined && isExpired(err)) {
        log('the listing expired (more than 5 minutes between pages): listing again from the start');
        continueToken = undefined;
        continue;
      }
      throw refusal(err, `list ${plan.crdName} objects in every namespace`, `list on ${plan.plural}.${plan.group}`);
    }
    yield* page.items;
    continueToken = page.metadata.continue || undefined;
  } while (continueToken !== undefined);
}

async function rewrite(objects: ResourceClient<KubeObject>, listed: KubeObject, options: MigrationOptions): Promise<Outcome> {
  const { name, namespace } = listed.metadata;
  const label = namespace ? `${namespace}/${name}` : `${name}`;
  const attempts = options.conflictAttempts ?? 5;
  let object = listed;
  for (let attempt = 1; ; attempt++) {
    try {
      const written = await objects.update(object, { signal: options.signal, dryRun: options.dryRun });
      // A dry run's answer never carries a new resourceVersion, so it cannot tell a rewrite from a skipped
      // write: every object it accepts counts as one to rewrite.
      if (options.dryRun) return { kind: 'rewritten' };
      return { kind: written.metadata.resourceVersion === object.metadata.resourceVersion ? 'current' : 'rewritten' };
    } catch (err) {
      if (isNotFound(err)) return { kind: 'skipped' };
      if (isConflict(err) && attempt < attempts) {
        try {
          object = await objects.get(name!, { namespace, signal: options.signal });
        } catch (readErr) {
          if (isNotFound(readErr)) return { kind: 'skipped' };
          return { kind: 'failed', object: label, message: messageOf(readErr) };
        }
        continue;
      }
      if (isConflict(err)) return { kind: 'failed', object: label, message: `changed ${attempts} times while we rewrote it: run again` };
      return { kind: 'failed', object: label, message: messageOf(err) };
    }
  }
}

/** Set `status.storedVersions` to the storage version alone, unless the CRD's storage version changed meanwhile. */
async function trimStoredVersions(
  crds: ResourceClient<StoredCrd>,
  read: StoredCrd,
  plan: MigrationPlan,
  signal: AbortSignal | undefined,
): Promise<readonly string[]> {
  let crd = read;
  for (let attempt = 1; ; attempt++) {
    const now = planMigration(crd);
    if (now.storageVersion !== plan.storageVersion) {
      throw new CliFailure(
        `the storage version of ${plan.crdName} changed from ${plan.storageVersion} to ${now.storageVersion} during the migration; ` +
          'storedVersions is left as it was: run capstan migrate-storage again',
      );
    }
    try {
      // The resourceVersion of the CRD we checked: a change since then (409) makes us look again before writing.
      const updated = await crds.updateStatus({ ...crd, status: { ...crd.status, storedVersions: [plan.storageVersion] } }, { signal });
      return updated.status?.storedVersions ?? [];
    } catch (err) {
      if (isConflict(err) && attempt < 5) {
        crd = await crds.get(plan.crdName, { signal });
        continue;
      }
      throw refusal(err, `update the status of the CRD ${plan.crdName}`, 'update on customresourcedefinitions/status');
    }
  }
}

/**
 * Whether the user may do all of it, asked before the first write (SelfSubjectAccessReview), so that a missing
 * right stops the command before it rewrote half the objects. A 403 on one object later is that object's failure
 * (an admission webhook or policy that denies it), not a missing right.
 */
async function checkRights(client: KubeClient, plan: MigrationPlan, signal: AbortSignal | undefined): Promise<void> {
  const needed = [
    { verb: 'list', group: plan.group, resource: plan.plural, subresource: '' },
    { verb: 'update', group: plan.group, resource: plan.plural, subresource: '' },
    { verb: 'update', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', subresource: 'status' },
  ];
  const missing: string[] = [];
  for (const right of needed) {
    const review = await client.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { ...right, ...(right.resource === plan.plural ? { namespace: '' } : {}) } },
      },
      signal,
    });
    if (review.status?.allowed !== true) {
      const resource = `${right.resource}${right.subresource ? `/${right.subresource}` : ''}${right.group ? `.${right.group}` : ''}`;
      missing.push(`${right.verb} on ${resource}${right.resource === plan.plural && plan.namespaced ? ' in every namespace' : ''}`);
    }
  }
  if (missing.length > 0) {
    throw new CliFailure(
      `you may not migrate ${plan.crdName}: you lack ${missing.join(', ')}; run it as a user with those rights (a cluster admin)`,
    );
  }
}

/** A 403 as a sentence that names the right missing; anything else unchanged. */
function refusal(err: unknown, what: string, right: string): unknown {
  if (isApiError(err) && err.code === 'FORBIDDEN') {
    return new CliFailure(
      `you may not ${what} (${err.status.message ?? 'forbidden'}); migrate-storage needs ${right}: run it as a user with those rights (a cluster admin)`,
      { cause: err },
    );
  }
  return err;
}

function messageOf(err: unknown): string {
  return isApiError(err)
    ? `${err.httpStatus} ${err.reason}: ${err.status.message ?? err.message}`
    : err instanceof Error
      ? err.message
      : String(err);
}

/** `capstan migrate-storage <crd>`: connect, announce the cluster, migrate, print the summary; exit 1 when an object failed. */
export async function migrateStorage(crdName: string, flags: MigrateStorageFlags): Promise<void> {
  const pageSize = Number(flags.pageSize);
  if (!Number.isInteger(pageSize) || pageSize <= 0)
    throw new CliFailure(`--page-size ${JSON.stringify(flags.pageSize)} is not a positive whole number`);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const target = await connectTarget(flags.kubeconfig, flags.context);
  try {
    say(`${flags.dryRun ? 'dry run: ' : ''}migrating the stored objects of ${crdName} on ${describeTarget(target)}`);
    const report = await migrateStoredObjects(target.client, crdName, { pageSize, dryRun: flags.dryRun ?? false, log: say });
    if (!report.plan.needed) {
      say(`${crdName}: storedVersions is already [${report.plan.storageVersion}], its storage version: nothing to migrate`);
      return;
    }
    say(summaryLine(report));
    if (report.failed > 0) {
      throw new CliFailure(
        `${report.failed} object(s) of ${crdName} could not be rewritten (listed above), so storedVersions was left as it was: ` +
          'fix them (or delete them) and run capstan migrate-storage again',
      );
    }
  } finally {
    await target.client.close();
  }
}
