// The decisions of `capstan migrate-storage` that need no cluster: what a CRD asks for, and the summary line.
// The migration itself runs against a real API server and etcd in e2e/cli/migrate-storage.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliFailure } from './failure.ts';
import { type MigrationReport, planMigration, type StoredCrd, summaryLine } from './migrate-storage.ts';

function crd(versions: Array<[string, boolean]>, storedVersions?: string[], scope: 'Namespaced' | 'Cluster' = 'Namespaced'): StoredCrd {
  return {
    metadata: { name: 'widgets.example.com', resourceVersion: '7' },
    spec: {
      group: 'example.com',
      scope,
      names: { kind: 'Widget', plural: 'widgets' },
      versions: versions.map(([name, storage]) => ({ name, served: true, storage })),
    },
    ...(storedVersions ? { status: { storedVersions } } : {}),
  };
}

test('a CRD whose storedVersions lists an older version needs a migration to its storage version', () => {
  const plan = planMigration(
    crd(
      [
        ['v1', false],
        ['v2', true],
      ],
      ['v1', 'v2'],
    ),
  );
  assert.deepEqual(plan, {
    crdName: 'widgets.example.com',
    group: 'example.com',
    plural: 'widgets',
    kind: 'Widget',
    namespaced: true,
    storageVersion: 'v2',
    storedVersionsBefore: ['v1', 'v2'],
    needed: true,
  });
});

test('storedVersions that is the storage version alone needs nothing; one naming only the old version still does', () => {
  const versions: Array<[string, boolean]> = [
    ['v1', false],
    ['v2', true],
  ];
  assert.equal(planMigration(crd(versions, ['v2'])).needed, false);
  assert.equal(planMigration(crd(versions, ['v1'])).needed, true);
  assert.equal(planMigration(crd(versions)).needed, true, 'no status read yet: rewrite to be sure');
  assert.equal(planMigration(crd(versions, ['v2'], 'Cluster')).namespaced, false);
});

test('a CRD without exactly one storage version is refused with what to fix', () => {
  assert.throws(
    () =>
      planMigration(
        crd([
          ['v1', false],
          ['v2', false],
        ]),
      ),
    (err: unknown) => err instanceof CliFailure && /has 0 storage versions; a CRD needs exactly one/.test(err.message),
  );
});

const plan = planMigration(
  crd(
    [
      ['v1', false],
      ['v2', true],
    ],
    ['v1', 'v2'],
  ),
);
const report = (fields: Partial<MigrationReport>): MigrationReport => ({
  plan,
  rewritten: 0,
  current: 0,
  skipped: 0,
  failed: 0,
  failures: [],
  storedVersionsAfter: ['v1', 'v2'],
  dryRun: false,
  ...fields,
});

test('the summary counts each outcome and shows storedVersions before and after', () => {
  assert.equal(
    summaryLine(report({ rewritten: 3, current: 1, skipped: 2, storedVersionsAfter: ['v2'] })),
    'widgets.example.com: 3 rewritten in v2, 1 already in v2, 2 skipped (deleted meanwhile), 0 failed; storedVersions [v1, v2] → [v2]',
  );
  assert.equal(
    summaryLine(report({ rewritten: 2, failed: 1 })),
    'widgets.example.com: 2 rewritten in v2, 0 already in v2, 0 skipped (deleted meanwhile), 1 failed; storedVersions [v1, v2] → [v1, v2]',
  );
});

test('a dry run says what would be rewritten and what storedVersions would become', () => {
  assert.equal(
    summaryLine(report({ rewritten: 4, dryRun: true })),
    'widgets.example.com (dry run): 4 would be rewritten in v2, 0 already in v2, 0 skipped (deleted meanwhile), 0 failed; storedVersions [v1, v2] would become [v2]',
  );
  assert.match(summaryLine(report({ rewritten: 3, failed: 1, dryRun: true })), /1 failed; storedVersions \[v1, v2\] → \[v1, v2\]$/);
});
