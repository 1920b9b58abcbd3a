import { readFile } from 'node:fs/promises';
import { ClientError } from './api-error.ts';

/**
 * What a request carries to authenticate: headers, and for some exec plugins a client certificate.
 *
 * @noExample What {@link Credentials.current} returns; the examples of {@link TokenFileCredentials} and
 * {@link Credentials} send its headers.
 */
export interface CredentialMaterial {
  /** Headers added to every request, usually `authorization: Bearer …`; empty when a client certificate authenticates. */
  headers: Record<string, string>;
  /** A client certificate an exec plugin issued, presented in the TLS handshake; a new one opens a new connection pool. */
  clientCertificate?: {
    /** The certificate (chain), PEM. */
    cert: string;
    /** Its private key, PEM. */
    key: string;
  };
}

/**
 * Where a client's credentials come from. The client asks for them before every request (sources cache
 * them), and calls {@link Credentials.invalidate} after a 401 so that rotated credentials are picked up: it
 * sends the request once more when the fresh material differs, and otherwise throws the 401 with `description`
 * and `remedy` in its message. {@link loadKubeconfig} picks the source from the kubeconfig's user; a client's is
 * {@link KubeClient.credentials}.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * const client = await KubeClient.fromKubeconfig();
 * console.log(`authenticating with ${client.credentials.description}`);
 * // The same headers the client sends, for a request it does not make (an aggregated API's own endpoint, say).
 * const { headers } = await client.credentials.current();
 * await client.close();
 * ```
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

/**
 * Credentials that never change: a token or a password written in the kubeconfig, a client certificate (the
 * certificate itself is in the connection's TLS settings), or none. A 401 is final: there is nothing to re-read.
 *
 * @example
 * ```ts
 * import { StaticCredentials } from 'capstan/client';
 * const credentials = new StaticCredentials(
 *   { headers: { authorization: `Bearer ${process.env['API_TOKEN'] ?? ''}` } },
 *   'the token in $API_TOKEN',
 *   'export a valid token as API_TOKEN',
 * );
 * const { headers } = await credentials.current();
 * ```
 */
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
 * Concurrent requests share one read; an unreadable or empty file is a `CREDENTIALS_UNAVAILABLE` {@link ClientError}.
 *
 * @example
 * ```ts
 * import { TokenFileCredentials } from 'capstan/client';
 * // The pod's service account token, for a call to another in-cluster service that reviews it (TokenReview).
 * const token = new TokenFileCredentials('/var/run/secrets/kubernetes.io/serviceaccount/token');
 * const response = await fetch('https://reports.monitoring.svc:8443/api/v1/summary', {
 *   headers: (await token.current()).headers,
 * });
 * console.log(response.status);
 * ```
 */
export class TokenFileCredentials implements Credentials {
  /** The token file. */
  readonly path: string;
  readonly description: string;
  readonly remedy: string;
  private readonly maxAgeMs: number;
  private token: string | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<string> | undefined;

  /** `maxAgeMs`: how long a token read from the file is used before the file is read again (60 s). */
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

/**
 * Headers computed by a function that caches and renews them on its own: for a kubeconfig's `auth-provider`
 * (OIDC, the legacy cloud providers), `@kubernetes/client-node`. Not refreshable here: a 401 is final. A failure of
 * the function is a `CREDENTIALS_UNAVAILABLE` {@link ClientError} naming `description`.
 *
 * @example
 * ```ts
 * import { DelegatedCredentials } from 'capstan/client';
 * declare function identityToken(): Promise<string>; // your identity provider's SDK, which caches and renews
 * const credentials = new DelegatedCredentials('the OIDC token of the CI job', async () => ({
 *   authorization: `Bearer ${await identityToken()}`,
 * }));
 * const { headers } = await credentials.current();
 * ```
 */
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
