// An example's committed config/ and chart/ against what `capstan generate` wrote in a copy of it: the same files,
// byte for byte.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** The files under `dir`, as paths relative to it, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * Assert `generatedRoot/config` and `generatedRoot/chart` hold exactly the files of `exampleRoot/config` and
 * `exampleRoot/chart` (every example commits its Helm chart), with the same text; returns their paths (`config/…`,
 * `chart/…`).
 */
export async function assertSameConfig(generatedRoot: string, exampleRoot: string): Promise<string[]> {
  const paths: string[] = [];
  for (const folder of ['config', 'chart']) {
    const committed = await filesUnder(join(exampleRoot, folder));
    assert.deepEqual(await filesUnder(join(generatedRoot, folder)), committed, `the files of ${folder}/`);
    for (const file of committed) {
      const path = `${folder}/${file}`;
      assert.equal(await readFile(join(generatedRoot, path), 'utf8'), await readFile(join(exampleRoot, path), 'utf8'), path);
      paths.push(path);
    }
  }
  return paths;
}
