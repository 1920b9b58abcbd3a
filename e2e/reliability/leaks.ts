// Finding secrets (a token, a kubeconfig's certificates) or object data in what an operator lets out: its
// log lines, its metrics and probe pages. A long secret is found by any piece of it, not only whole.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** Something that must not appear: its description and its text. */
export interface Secret {
  what: string;
  value: string;
  /** Match regardless of case (for words such as `Bearer`). */
  ignoreCase?: boolean;
}

/** Every piece of a long secret this long or longer counts as a leak. */
export const leakWindow = 16;

/**
 * Looks for secrets in text: short ones whole, long ones (at least {@link leakWindow} characters) by each of
 * their windows of that length, so that any leaked substring of that length or more is found however it
 * was cut, in one pass over the text whatever the number of secrets.
 */
export class LeakDetector {
  private readonly windows = new Map<string, string>();
  private readonly whole: Secret[] = [];

  constructor(secrets: readonly Secret[]) {
    for (const secret of secrets) {
      if (secret.value.length < leakWindow || secret.ignoreCase) {
        this.whole.push(secret);
        continue;
      }
      for (let i = 0; i + leakWindow <= secret.value.length; i++) {
        const piece = secret.value.slice(i, i + leakWindow);
        // Tokens of one issuer share their header: such a piece is named after the first secret that has it.
        if (!this.windows.has(piece)) this.windows.set(piece, secret.what);
      }
    }
  }

  /** What `text` gives away, one entry per secret with the first piece found (`what: "piece"`); empty when nothing. */
  find(text: string): string[] {
    const found = new Map<string, string>();
    for (const secret of this.whole) {
      if (secret.ignoreCase ? text.toLowerCase().includes(secret.value.toLowerCase()) : text.includes(secret.value))
        found.set(secret.what, secret.value);
    }
    for (let i = 0; i + leakWindow <= text.length; i++) {
      const piece = text.slice(i, i + leakWindow);
      const what = this.windows.get(piece);
      if (what !== undefined && !found.has(what)) found.set(what, piece);
    }
    return [...found].map(([what, piece]) => `${what}: "${piece}"`);
  }
}

/**
 * What a token kubeconfig holds that no log line may carry: the token, the CA as stored (base64 of the
 * PEM) and the PEM's body, and the words that would show a credential or the file being printed.
 */
export async function kubeconfigSecrets(kubeconfigPath: string, owner: string): Promise<Secret[]> {
  const config = parse(await readFile(kubeconfigPath, 'utf8')) as {
    clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
    users: Array<{ user: { token: string } }>;
  };
  const caData = config.clusters[0]!.cluster['certificate-authority-data'];
  const token = config.users[0]!.user.token;
  const pemBody = Buffer.from(caData, 'base64')
    .toString('utf8')
    .replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '');
  if (!token || !caData || pemBody.length < 100) throw new Error(`${kubeconfigPath} is not a token kubeconfig with an inline CA`);
  return [
    { what: `${owner}'s token`, value: token },
    { what: `${owner}'s certificate-authority-data`, value: caData },
    { what: `${owner}'s CA certificate (PEM body)`, value: pemBody },
  ];
}

/** Words that show a credential or a kubeconfig being printed, whoever's it is. */
export const credentialWords: readonly Secret[] = [
  { what: 'an Authorization header', value: 'Bearer', ignoreCase: true },
  { what: 'a PEM block', value: '-----BEGIN' },
  { what: 'a kubeconfig key', value: 'certificate-authority-data' },
  { what: 'a kubeconfig key', value: 'client-key-data' },
];
