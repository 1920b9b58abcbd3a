// Builds the Go module under bench/peers/controller-runtime (the controller-runtime peer, the ceiling and
// `npm run bench:cache`'s heap measurement) once
// and caches the binaries under ~/.cache/capstan/bench/, keyed by a hash of the sources, so `--quick` never
// waits for a Go build.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const goPeerDir = new URL('../peers/controller-runtime/', import.meta.url).pathname;
/** The Go toolchain the control plane is built with (control-plane/versions.json); the go command fetches it if the local one differs. */
export const goToolchain = 'go1.26.8';

/** The controller-runtime version the peer's go.mod requires. */
export async function controllerRuntimeVersion(): Promise<string> {
  const goMod = await readFile(join(goPeerDir, 'go.mod'), 'utf8');
  return /sigs\.k8s\.io\/controller-runtime (v\S+)/.exec(goMod)?.[1] ?? 'unknown';
}

/** The built binaries: `controller-runtime` (the peer), `ceiling` and `cacheheap` (bench/cache.ts's Go side). */
export interface GoBinaries {
  /** The HelloWorld operator written with controller-runtime (`main.go`). */
  controllerRuntime: string;
  /** The ceiling (`ceiling/main.go`). */
  ceiling: string;
  /** One heap measurement of a controller-runtime cache of ConfigMaps (`cacheheap/main.go`). */
  cacheHeap: string;
}

/** The paths of the built binaries, building them first if the sources changed since the last build. */
export async function ensureGoPeer(log: (line: string) => void): Promise<GoBinaries> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go', 'ceiling/main.go', 'cacheheap/main.go'])
    hash.update(await readFile(join(goPeerDir, file)));
  hash.update(goToolchain);
  const dir = join(homedir(), '.cache', 'capstan', 'bench', `go-peers-${hash.digest('hex').slice(0, 12)}`);
  const binaries = { controllerRuntime: join(dir, 'controller-runtime'), ceiling: join(dir, 'ceiling'), cacheHeap: join(dir, 'cacheheap') };
  if (Object.values(binaries).every((binary) => existsSync(binary))) return binaries;
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const args = ['build', '-trimpath', '-o', `${tmp}/`, '.', './ceiling', './cacheheap'];
  log(`building the Go peers (first time only, a few minutes on 2 cores): GOTOOLCHAIN=${goToolchain} go ${args.join(' ')} in ${goPeerDir}`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', args, {
      cwd: goPeerDir,
      env: { ...process.env, GOTOOLCHAIN: goToolchain },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`GOTOOLCHAIN=${goToolchain} go ${args.join(' ')} (in ${goPeerDir}) exited with ${code}`)),
    );
  });
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  log(`built ${dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return binaries;
}
