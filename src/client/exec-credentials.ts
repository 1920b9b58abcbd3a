import { spawn } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { ClientError } from './api-error.ts';
import type { CredentialMaterial, Credentials } from './credentials.ts';

/**
 * The `users[].user.exec` stanza of a kubeconfig (client.authentication.k8s.io).
 *
 * @noExample {@link loadKubeconfig} reads it from the kubeconfig; {@link ExecCredentials}'s example writes one by hand.
 */
export interface ExecConfig {
  /** The plugin to run: a bare name is looked up in `PATH`, a relative path with a `/` starts from the kubeconfig's directory. */
  command: string;
  /** Its arguments. */
  args?: string[];
  /** Variables set for the plugin on top of this process's environment. */
  env?: Array<{
    /** The variable's name. */
    name: string;
    /** Its value. */
    value: string;
  }> | null;
  /** The `ExecCredential` version the plugin speaks, sent to it in `KUBERNETES_EXEC_INFO` (`client.authentication.k8s.io/v1`). */
  apiVersion?: string;
  /** How to install the plugin; appended to every error about it. */
  installHint?: string;
  /** Read but not acted on: the plugin is never given the cluster's details in `KUBERNETES_EXEC_INFO`. */
  provideClusterInfo?: boolean;
}

/** The `ExecCredential` an exec plugin prints on stdout. */
interface ExecCredential {
  apiVersion?: string;
  kind?: string;
  status?: { token?: string; expirationTimestamp?: string; clientCertificateData?: string; clientKeyData?: string };
}

/**
 * Credentials from an exec plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`, …): the plugin is run
 * on first use, again once its credential's `expirationTimestamp` is near (`refreshSkewMs` before it),
 * and again after a 401. Concurrent requests share one run. The plugin runs non-interactively with stdin closed;
 * a plugin that fails, hangs past `timeoutMs` or prints neither a token nor a client certificate is a
 * `CREDENTIALS_UNAVAILABLE` {@link ClientError} with its stderr and the `installHint`.
 *
 * @example
 * ```ts
 * import { ExecCredentials } from 'capstan/client';
 * const eks = new ExecCredentials(
 *   { command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'prod'], apiVersion: 'client.authentication.k8s.io/v1beta1' },
 *   process.cwd(),
 * );
 * const { headers } = await eks.current(); // runs the plugin; later calls reuse its token until it nears expiry
 * ```
 */
export class ExecCredentials implements Credentials {
  readonly description: string;
  readonly remedy: string;
  private readonly config: ExecConfig;
  private readonly baseDir: string;
  private readonly timeoutMs: number;
  private readonly refreshSkewMs: number;
  private cached: { material: CredentialMaterial; expiresAt: number } | undefined;
  private running: Promise<{ material: CredentialMaterial; expiresAt: number }> | undefined;

  /**
   * `baseDir` resolves a relative command path (the kubeconfig's directory, as kubectl does). `timeoutMs` bounds one
   * run of the plugin (60 s); `refreshSkewMs` is how long before the credential expires it is renewed (10 s).
   */
  constructor(config: ExecConfig, baseDir: string, options: { timeoutMs?: number; refreshSkewMs?: number } = {}) {
    this.config = config;
    this.baseDir = baseDir;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.refreshSkewMs = options.refreshSkewMs ?? 10_000;
    this.description = `the credential of exec plugin "${config.command}"`;
    this.remedy = `make "${[config.command, ...(config.args ?? [])].join(' ')}" print a valid ExecCredential (log in again)`;
  }

  async current(): Promise<CredentialMaterial> {
    if (!this.cached || Date.now() >= this.cached.expiresAt - this.refreshSkewMs) {
      this.running ??= this.run().finally(() => {
        this.running = undefined;
      });
      this.cached = await this.running;
    }
    return this.cached.material;
  }

  invalidate(): boolean {
    this.cached = undefined;
    return true;
  }

  private commandPath(): string {
    const { command } = this.config;
    return command.includes('/') && !isAbsolute(command) ? resolve(this.baseDir, command) : command;
  }

  private async run(): Promise<{ material: CredentialMaterial; expiresAt: number }> {
    const apiVersion = this.config.apiVersion ?? 'client.authentication.k8s.io/v1';
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const { name, value } of this.config.env ?? []) env[name] = value;
    env['KUBERNETES_EXEC_INFO'] = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false } });
    const command = this.commandPath();
    const fail = (what: string, cause?: unknown) =>
      new ClientError(
        'CREDENTIALS_UNAVAILABLE',
        `exec plugin "${command}" ${what}${this.config.installHint ? `; ${this.config.installHint}` : ''}`,
        { cause },
      );
    const stdout = await new Promise<string>((resolvePromise, reject) => {
      const child = spawn(command, this.config.args ?? [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      // Our own timer rather than spawn's `timeout`, which outlives a command that could not be started.
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk;
      });
      child.on('error', (cause) => {
        clearTimeout(timer);
        reject(fail(`could not be started: ${cause.message}`, cause));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolvePromise(out);
        else reject(fail(`failed (${signal ? `killed by ${signal}` : `exit code ${code}`}): ${err.trim().slice(0, 500)}`));
      });
    });
    let credential: ExecCredential;
    try {
      credential = JSON.parse(stdout) as ExecCredential;
    } catch (cause) {
      throw fail('printed something that is not an ExecCredential JSON object', cause);
    }
    const status = credential.status;
    if (!status?.token && !(status?.clientCertificateData && status.clientKeyData)) {
      throw fail('printed an ExecCredential with neither status.token nor a client certificate');
    }
    const material: CredentialMaterial = { headers: status.token ? { authorization: `Bearer ${status.token}` } : {} };
    if (status.clientCertificateData && status.clientKeyData) {
      material.clientCertificate = { cert: status.clientCertificateData, key: status.clientKeyData };
    }
    const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Number.POSITIVE_INFINITY;
    return { material, expiresAt: Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt };
  }
}
