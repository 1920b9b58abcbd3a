import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from '../internal/file-lock.ts';
import { ControlPlaneError } from './errors.ts';

/**
 * The versions a control plane is built from: the ones Capstan pins in `control-plane/versions.json`
 * ({@link controlPlaneVersions}), or others given to {@link ensureAssets} to try another release.
 *
 * @noExample Read with {@link controlPlaneVersions}, whose example shows one.
 */
export interface ControlPlaneVersions {
  /** The Kubernetes release tag of kube-apiserver, kube-controller-manager and kubectl, such as `v1.36.3`. */
  kubernetes: string;
  /** The etcd release tag, such as `v3.6.16`. */
  etcd: string;
  /** The Go toolchain the binaries are built with, such as `1.26.8` (fetched through `GOTOOLCHAIN`). */
  go: string;
}

/**
 * Paths of the four binaries a control plane needs, as {@link ensureAssets} found or built them.
 *
 * @noExample Returned by {@link ensureAssets}; its example reads one.
 */
export interface ControlPlaneAssets {
  /** The etcd server. */
  etcd: string;
  /** kube-apiserver. */
  kubeApiserver: string;
  /** kube-controller-manager, always built by Capstan when not in `CAPSTAN_ASSETS` (envtest does not ship it). */
  kubeControllerManager: string;
  /** kubectl of the same Kubernetes version, what {@link kubectl} runs. */
  kubectl: string;
}

/**
 * Options of {@link ensureAssets}.
 *
 * @noExample Options of {@link ensureAssets}; its example shows them in use.
 */
export interface EnsureAssetsOptions {
  /** Abandons the wait or the build (the `go` processes are killed); the promise rejects. */
  signal?: AbortSignal;
  /** Where progress lines go; defaults to stderr. */
  log?: (line: string) => void;
  /** Defaults to `~/.cache/capstan`. */
  cacheDir?: string;
  /** Defaults to the pinned `control-plane/versions.json`; for trying another release. */
  versions?: ControlPlaneVersions;
}

const kubernetesCommands = {
  kubeApiserver: 'kube-apiserver',
  kubeControllerManager: 'kube-controller-manager',
  kubectl: 'kubectl',
} as const;
type KubernetesBinary = keyof typeof kubernetesCommands;

/**
 * The versions this copy of Capstan pins (its `control-plane/versions.json`): what {@link ensureAssets} builds
 * unless given others, and what a {@link ControlPlane} reports as its `versions`.
 *
 * @example
 * ```ts
 * import { controlPlaneVersions } from 'capstan/testing';
 * const { kubernetes, etcd, go } = await controlPlaneVersions();
 * console.log(kubernetes, etcd, go); // e.g. v1.36.3 v3.6.16 1.26.8
 * ```
 */
export async function controlPlaneVersions(): Promise<ControlPlaneVersions> {
  const { kubernetes, etcd, go } = await pinnedVersions();
  return { kubernetes, etcd, go };
}

/** Everything `control-plane/versions.json` pins: the control plane's versions and the tools built beside them. */
async function pinnedVersions(): Promise<ControlPlaneVersions & { helm: string }> {
  const url = new URL('../../control-plane/versions.json', import.meta.url);
  return JSON.parse(await readFile(url, 'utf8')) as ControlPlaneVersions & { helm: string };
}

/** Linker flags that make `/version` report the real release instead of `v0.0.0-master`. */
function kubernetesLdflags(version: string): string {
  const minor = version.split('.')[1] ?? '0';
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=1`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
    );
  }
  return flags.join(' ');
}

const buildFlags = ['-trimpath'];

/**
 * The name of the cache folder (`~/.cache/capstan/<key>`) that holds the binaries built for `versions`: the
 * versions plus a hash of everything else that changes the binaries (build and linker flags, platform), so that a
 * change of any of them builds afresh instead of reusing stale binaries. A CI cache keyed on it restores the
 * binaries exactly when they are still right.
 *
 * @example
 * ```ts
 * import { assetsKey, controlPlaneVersions } from 'capstan/testing';
 * const key = assetsKey(await controlPlaneVersions());
 * console.log(key); // k8s-v1.36.3-etcd-v3.6.16-go1.26.8-<hash>: cache ~/.cache/capstan/<key> under it
 * ```
 */
export function assetsKey(versions: ControlPlaneVersions): string {
  const hash = createHash('sha256')
    .update(
      JSON.stringify({
        versions,
        buildFlags,
        ld: kubernetesLdflags(versions.kubernetes),
        cgo: 0,
        platform: `${process.platform}-${process.arch}`,
      }),
    )
    .digest('hex')
    .slice(0, 10);
  return `k8s-${versions.kubernetes}-etcd-${versions.etcd}-go${versions.go}-${hash}`;
}

/**
 * Find or build etcd, kube-apiserver, kube-controller-manager and kubectl.
 *
 * - `CAPSTAN_ASSETS` names a folder holding all four: nothing is built.
 * - `KUBEBUILDER_ASSETS` (envtest's binaries) supplies etcd, kube-apiserver and kubectl; only
 *   kube-controller-manager is built.
 * - Otherwise all four are built from the Go modules pinned in `control-plane/versions.json` into
 *   `~/.cache/capstan/<key>/bin` (10–25 minutes the first time on 2 cores; seconds afterwards), under a file
 *   lock so that concurrent test runs never build twice.
 *
 * @example
 * ```ts
 * import { ensureAssets } from 'capstan/testing';
 * const assets = await ensureAssets({ signal: AbortSignal.timeout(40 * 60_000) });
 * console.log(assets.kubectl);
 * ```
 */
export async function ensureAssets(options: EnsureAssetsOptions = {}): Promise<ControlPlaneAssets> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[capstan] ${line}\n`));
  const explicit = process.env['CAPSTAN_ASSETS'];
  if (explicit) {
    const assets = assetsIn(explicit, explicit);
    await requireExecutables(assets, 'CAPSTAN_ASSETS');
    return assets;
  }
  const versions = options.versions ?? (await controlPlaneVersions());
  const cacheRoot = options.cacheDir ?? join(homedir(), '.cache', 'capstan');
  const keyDir = join(cacheRoot, assetsKey(versions));
  const binDir = join(keyDir, 'bin');
  const envtest = process.env['KUBEBUILDER_ASSETS'];
  const assets = envtest ? assetsIn(envtest, binDir) : assetsIn(binDir, binDir);
  if (envtest) {
    const { kubeControllerManager: _built, ...supplied } = assets;
    await requireExecutables(supplied, 'KUBEBUILDER_ASSETS');
  }
  const wanted: KubernetesBinary[] = envtest ? ['kubeControllerManager'] : ['kubeApiserver', 'kubeControllerManager', 'kubectl'];
  const missing = async () => ({
    kubernetes: (await Promise.all(wanted.map(async (b) => ((await isExecutable(assets[b])) ? null : b)))).filter((b) => b !== null),
    etcd: !envtest && !(await isExecutable(assets.etcd)),
  });
  let todo = await missing();
  if (todo.kubernetes.length === 0 && !todo.etcd) return assets;

  await mkdir(keyDir, { recursive: true });
  await withFileLock(
    join(keyDir, 'build.lock'),
    async () => {
      todo = await missing(); // another process may have built them while we waited
      const builder = new GoBuilder(versions.go, cacheRoot, keyDir, log, options.signal);
      if (todo.kubernetes.length > 0) await builder.buildKubernetes(versions.kubernetes, todo.kubernetes);
      if (todo.etcd) await builder.buildEtcd(versions.etcd);
    },
    { signal: options.signal, onWait: (pid) => log(`waiting for another build of the control-plane binaries (pid ${pid}) to finish`) },
  );
  return assets;
}

/**
 * Options of {@link ensureHelm}.
 *
 * @noExample Options of {@link ensureHelm}; its example shows them in use.
 */
export interface EnsureHelmOptions {
  /** Abandons the wait or the build (the `go` processes are killed); the promise rejects. */
  signal?: AbortSignal;
  /** Where progress lines go; defaults to stderr. */
  log?: (line: string) => void;
  /** Defaults to `~/.cache/capstan`. */
  cacheDir?: string;
  /** The Helm release tag; defaults to the one pinned in `control-plane/versions.json` (`helm`). */
  version?: string;
  /** The Go toolchain; defaults to the control plane's (`go` in `control-plane/versions.json`). */
  go?: string;
}

/** Linker flags of a Helm release: its version as `helm version` prints it, as Helm's Makefile sets it. */
function helmLdflags(version: string): string {
  return [
    '-s',
    '-w',
    `-X helm.sh/helm/v4/internal/version.version=${version}`,
    '-X helm.sh/helm/v4/internal/version.gitTreeState=clean',
  ].join(' ');
}

/**
 * The cache folder name of a Helm build: its version, the toolchain and a hash of the flags and platform (as
 * {@link assetsKey} names the control plane's), apart from the control plane's so that either can change alone.
 *
 * @example
 * ```ts
 * import { helmKey } from 'capstan/testing';
 * console.log(helmKey('v4.3.2', '1.26.8')); // helm-v4.3.2-go1.26.8-<hash>
 * ```
 */
export function helmKey(version: string, go: string): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ version, go, buildFlags, ld: helmLdflags(version), cgo: 0, platform: `${process.platform}-${process.arch}` }))
    .digest('hex')
    .slice(0, 10);
  return `helm-${version}-go${go}-${hash}`;
}

/**
 * Find or build `helm`, for tests of a generated chart (`capstan generate --helm`): `helm lint`, `helm template`.
 *
 * - `CAPSTAN_HELM` names a `helm` binary to use: nothing is built.
 * - Otherwise Helm is built from its Go module (`helm.sh/helm/v4`, the version pinned in
 *   `control-plane/versions.json`) into `~/.cache/capstan/<key>/bin/helm` (a few minutes the first time on 2 cores,
 *   instant afterwards), under a file lock, as {@link ensureAssets} builds the control plane.
 *
 * @example
 * ```ts
 * import { execFileSync } from 'node:child_process';
 * import { ensureHelm } from 'capstan/testing';
 * const helm = await ensureHelm({ signal: AbortSignal.timeout(20 * 60_000) });
 * console.log(execFileSync(helm, ['lint', 'chart'], { encoding: 'utf8' }));
 * ```
 */
export async function ensureHelm(options: EnsureHelmOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[capstan] ${line}\n`));
  const explicit = process.env['CAPSTAN_HELM'];
  if (explicit) {
    if (!(await isExecutable(explicit)))
      throw new ControlPlaneError(
        'ASSETS_MISSING',
        `CAPSTAN_HELM is set, but ${explicit} is missing or not executable. Point it at a helm binary, or unset it to let Capstan build one.`,
      );
    return explicit;
  }
  const pinned = options.version === undefined || options.go === undefined ? await pinnedVersions() : undefined;
  const version = options.version ?? pinned!.helm;
  const go = options.go ?? pinned!.go;
  const cacheRoot = options.cacheDir ?? join(homedir(), '.cache', 'capstan');
  const keyDir = join(cacheRoot, helmKey(version, go));
  const helm = join(keyDir, 'bin', 'helm');
  if (await isExecutable(helm)) return helm;
  await mkdir(keyDir, { recursive: true });
  await withFileLock(
    join(keyDir, 'build.lock'),
    async () => {
      if (!(await isExecutable(helm))) await new GoBuilder(go, cacheRoot, keyDir, log, options.signal).buildHelm(version);
    },
    { signal: options.signal, onWait: (pid) => log(`waiting for another build of helm (pid ${pid}) to finish`) },
  );
  return helm;
}

function assetsIn(dir: string, controllerManagerDir: string): ControlPlaneAssets {
  return {
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(controllerManagerDir, 'kube-controller-manager'),
    kubectl: join(dir, 'kubectl'),
  };
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function requireExecutables(assets: Partial<ControlPlaneAssets>, source: string): Promise<void> {
  const absent: string[] = [];
  for (const path of Object.values(assets)) if (!(await isExecutable(path))) absent.push(path);
  if (absent.length > 0) {
    throw new ControlPlaneError(
      'ASSETS_MISSING',
      `${source} is set, but these binaries are missing or not executable: ${absent.join(', ')}. ` +
        `Point ${source} at a folder that holds them, or unset it to let Capstan build them.`,
    );
  }
}

/** Runs the Go toolchain in wrapper modules, with progress, naming the failing command on failure. */
class GoBuilder {
  private readonly env: NodeJS.ProcessEnv;
  private readonly go: string;
  private readonly keyDir: string;
  private readonly log: (line: string) => void;
  private readonly signal: AbortSignal | undefined;

  /** `go`: the toolchain's version (`1.26.8`), fetched through `GOTOOLCHAIN` when the local one differs. */
  constructor(go: string, cacheRoot: string, keyDir: string, log: (line: string) => void, signal: AbortSignal | undefined) {
    this.go = go;
    this.keyDir = keyDir;
    this.log = log;
    this.signal = signal;
    this.env = {
      ...process.env,
      GOTOOLCHAIN: `go${go}`,
      GOMODCACHE: join(cacheRoot, 'go', 'mod'),
      GOCACHE: join(cacheRoot, 'go', 'build'),
      GOFLAGS: '-mod=mod',
      CGO_ENABLED: '0',
    };
  }

  /** kube-apiserver, kube-controller-manager and kubectl in one `go build` of a wrapper module. */
  async buildKubernetes(v: string, binaries: KubernetesBinary[]): Promise<void> {
    const dir = join(this.keyDir, 'src', 'kubernetes');
    await mkdir(dir, { recursive: true });
    const staging = await this.stagingModules(v);
    const stagingVersion = v.replace(/^v1\./, 'v0.');
    const goMod = [
      'module capstan.local/kubernetes-binaries',
      '',
      this.goDirective(),
      '',
      `require k8s.io/kubernetes ${v}`,
      '',
      'replace (',
      ...staging.map((m) => `\t${m} => ${m} ${stagingVersion}`),
      ')',
      '',
    ].join('\n');
    const packages = binaries.map((b) => `k8s.io/kubernetes/cmd/${kubernetesCommands[b]}`);
    await this.writeWrapper(
      dir,
      goMod,
      Object.values(kubernetesCommands).map((c) => `k8s.io/kubernetes/cmd/${c}`),
    );
    await this.goBuild(
      dir,
      `Kubernetes ${v} (${binaries.map((b) => kubernetesCommands[b]).join(', ')})`,
      ['-ldflags', kubernetesLdflags(v)],
      packages,
      binaries.map((b) => kubernetesCommands[b]),
    );
  }

  async buildEtcd(version: string): Promise<void> {
    const dir = join(this.keyDir, 'src', 'etcd');
    await mkdir(dir, { recursive: true });
    const goMod = ['module capstan.local/etcd-binary', '', this.goDirective(), '', `require go.etcd.io/etcd/server/v3 ${version}`, ''].join(
      '\n',
    );
    await this.writeWrapper(dir, goMod, ['go.etcd.io/etcd/server/v3']);
    await this.goBuild(dir, `etcd ${version}`, ['-ldflags', '-s -w'], ['go.etcd.io/etcd/server/v3'], ['etcd']);
  }

  /** helm from its Go module, its version stamped as the release's own Makefile does. */
  async buildHelm(version: string): Promise<void> {
    const dir = join(this.keyDir, 'src', 'helm');
    await mkdir(dir, { recursive: true });
    const goMod = ['module capstan.local/helm-binary', '', this.goDirective(), '', `require helm.sh/helm/v4 ${version}`, ''].join('\n');
    await this.writeWrapper(dir, goMod, ['helm.sh/helm/v4/cmd/helm']);
    await this.goBuild(dir, `helm ${version}`, ['-ldflags', helmLdflags(version)], ['helm.sh/helm/v4/cmd/helm'], ['helm']);
  }

  /** The wrapper modules' `go` line: the toolchain's minor release. */
  private goDirective(): string {
    return `go ${this.go.split('.').slice(0, 2).join('.')}.0`;
  }

  /** The staging modules k8s.io/kubernetes replaces with `./staging/...`, read from its own go.mod. */
  private async stagingModules(version: string): Promise<string[]> {
    const out = await this.run(this.keyDir, ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`]);
    const info = JSON.parse(out) as { GoMod?: string; Error?: string };
    if (!info.GoMod)
      throw new ControlPlaneError('BUILD_FAILED', `go mod download k8s.io/kubernetes@${version}: ${info.Error ?? 'no go.mod'}`);
    const goMod = await readFile(info.GoMod, 'utf8');
    const modules = [...goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]!);
    if (modules.length === 0) throw new ControlPlaneError('BUILD_FAILED', `found no staging modules in ${info.GoMod}`);
    return modules;
  }

  private async writeWrapper(dir: string, goMod: string, imports: string[]): Promise<void> {
    await writeFile(join(dir, 'go.mod'), goMod);
    await writeFile(
      join(dir, 'tools.go'),
      `//go:build tools\n\npackage tools\n\nimport (\n${imports.map((i) => `\t_ "${i}"\n`).join('')})\n`,
    );
    this.log(`resolving Go modules in ${dir}`);
    await this.run(dir, ['mod', 'tidy']);
  }

  private async goBuild(dir: string, what: string, flags: string[], packages: string[], outputs: string[]): Promise<void> {
    const total = (await this.run(dir, ['list', '-deps', ...packages])).split('\n').filter(Boolean).length;
    const partial = join(this.keyDir, 'bin.partial');
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    this.log(`building ${what}: ${total} packages; the first build takes minutes on 2 cores, later ones are cached`);
    const started = Date.now();
    let compiled = 0;
    let lastReport = 0;
    const output = packages.length === 1 ? join(partial, outputs[0]!) : `${partial}/`;
    await this.run(dir, ['build', '-v', ...buildFlags, ...flags, '-o', output, ...packages], (line) => {
      compiled++;
      const now = Date.now();
      if (now - lastReport >= 15_000) {
        lastReport = now;
        this.log(`building ${what}: ${compiled}/${total} packages compiled, ${Math.round((now - started) / 1000)} s`);
      }
      void line;
    });
    const binDir = join(this.keyDir, 'bin');
    await mkdir(binDir, { recursive: true });
    for (const name of outputs) await rename(join(partial, name), join(binDir, name));
    await rm(partial, { recursive: true, force: true });
    this.log(`built ${what} in ${Math.round((Date.now() - started) / 1000)} s into ${binDir}`);
  }

  /** Run `go args...` in `dir`; stderr lines go to `onLine`; a failure names the command and shows its output. */
  private run(dir: string, args: string[], onLine?: (line: string) => void): Promise<string> {
    const command = `cd ${dir} && go ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}`;
    return new Promise((resolve, reject) => {
      const child = spawn('go', args, { cwd: dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'], signal: this.signal });
      let stdout = '';
      const stderrTail: string[] = [];
      let pending = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          onLine?.(line);
          stderrTail.push(line);
          if (stderrTail.length > 40) stderrTail.shift();
        }
      });
      child.on('error', (err) => {
        const hint =
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? ' (the Go toolchain is not on PATH: install Go, or set CAPSTAN_ASSETS to a folder with the binaries)'
            : '';
        reject(new ControlPlaneError('BUILD_FAILED', `${command} failed to start: ${err.message}${hint}`, { cause: err }));
      });
      child.on('close', (code) => {
        if (code === 0) resolve(stdout);
        else {
          if (pending) stderrTail.push(pending);
          reject(
            new ControlPlaneError(
              'BUILD_FAILED',
              `a Go build failed; this command exited with ${code}:\n  ${command}\n` +
                `(with GOMODCACHE=${this.env['GOMODCACHE']} GOCACHE=${this.env['GOCACHE']} GOTOOLCHAIN=${this.env['GOTOOLCHAIN']} GOFLAGS=-mod=mod CGO_ENABLED=0)\n` +
                `last output:\n${stderrTail.join('\n')}`,
            ),
          );
        }
      });
    });
  }
}
