import { readFile } from 'node:fs/promises';
import { ClientError } from './api-error.ts';

/** What a request carries to authenticate: headers, and for some exec plugins a client certificate. */
export interface CredentialMaterial {
  headers: Record<string, string>;
  clientCertificate?: { cert: string; key: string };
}

/**
 * Where a client's credentials come from. The client asks for them before every request (sources cache
 * them), and calls {@link Credentials.invalidate} after a 401 so that rotated credentials are picked up.
 */
export interface Credentials {
  /** The material for the next request. */
  current(signal?: AbortSignal): Promise<CredentialMaterial>;
  /** Forget cached material after a 401; true when asking again may give different material. */
  invalidate(): boolean;
  /** For messages: "the token in file /var/run/…", "exec plugin aws-iam-authenticator", … */
  readonly description: string;
  /** What a user should do when the server rejects these credentials. */
  readonly remedy: string;
}

/** Credentials that never change: a token written in the kubeconfig, a client certificate, or none. */
export class StaticCredentials implements Credentials {
  readonly description: string;
  readonly remedy: string;
  private readonly material: CredentialMaterial;

  constructor(material: CredentialMaterial, description: string, remedy: string) {
    this.material = material;
    this.description = description;
    this.remedy = remedy;
  }

  async current(): Promise<CredentialMaterial> {
    return this.material;
  }

  invalidate(): boolean {
    return false;
  }
}

/**
 * A bearer token read from a file, re-read once it is older than `maxAgeMs` (client-go rereads every
 * minute) and right after a 401: in-cluster service account tokens are rotated on disk by the kubelet.
 */
export class TokenFileCredentials implements Credentials {
  readonly path: string;
  readonly description: string;
  readonly remedy: string;
  private readonly maxAgeMs: number;
  private token: string | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<string> | undefined;

  constructor(path: string, maxAgeMs = 60_000) {
    this.path = path;
    this.maxAgeMs = maxAgeMs;
    this.description = `the token in file ${path}`;
    this.remedy = `write a valid token to ${path} (it is re-read after every 401 and every ${maxAgeMs / 1000} s)`;
  }

  async current(): Promise<CredentialMaterial> {
    if (this.token === undefined || performance.now() - this.readAt > this.maxAgeMs) {
      this.reading ??= this.read().finally(() => {
        this.reading = undefined;
      });
      this.token = await this.reading;
    }
    return { headers: { authorization: `Bearer ${this.token}` } };
  }

  invalidate(): boolean {
    this.readAt = Number.NEGATIVE_INFINITY;
    return true;
  }

  private async read(): Promise<string> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (cause) {
      throw new ClientError(
        'CREDENTIALS_UNAVAILABLE',
        `cannot read the token file ${this.path}: ${(cause as Error).message}; mount or write the token there`,
        { cause },
      );
    }
    const token = text.trim();
    if (!token) throw new ClientError('CREDENTIALS_UNAVAILABLE', `the token file ${this.path} is empty; write a token there`);
    this.readAt = performance.now();
    return token;
  }
}

/** Credentials computed by `@kubernetes/client-node` (OIDC, cloud auth providers): cached by it, not refreshable here. */
export class DelegatedCredentials implements Credentials {
  readonly description: string;
  readonly remedy = 'renew the credentials of the auth provider (log in again)';
  private readonly apply: () => Promise<Record<string, string>>;

  constructor(description: string, apply: () => Promise<Record<string, string>>) {
    this.description = description;
    this.apply = apply;
  }

  async current(): Promise<CredentialMaterial> {
    try {
      return { headers: await this.apply() };
    } catch (cause) {
      throw new ClientError('CREDENTIALS_UNAVAILABLE', `${this.description} failed: ${(cause as Error).message}`, { cause });
    }
  }

  invalidate(): boolean {
    return false;
  }
}
