// An example's committed config/ against what `capstan generate` wrote in a copy of it: the same files, byte for byte.
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

/** Assert `generatedRoot/config` holds exactly the files of `exampleRoot/config`, with the same text; returns their paths. */
export async function assertSameConfig(generatedRoot: string, exampleRoot: string): Promise<string[]> {
  const committed = await filesUnder(join(exampleRoot, 'config'));
  assert.deepEqual(await filesUnder(join(generatedRoot, 'config')), committed);
  for (const file of committed) {
    assert.equal(
      await readFile(join(generatedRoot, 'config', file), 'utf8'),
      await readFile(join(exampleRoot, 'config', file), 'utf8'),
      file,
    );
  }
  return committed;
}
