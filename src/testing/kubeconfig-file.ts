import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** Who a kubeconfig authenticates as: a client certificate or a bearer token. */
export type KubeconfigUser = { name: string; clientCertPath: string; clientKeyPath: string } | { name: string; token: string };

/**
 * Write a self-contained kubeconfig (CA and client certificate inline, so it can be copied anywhere) with
 * one cluster, one user and one current context. The file is private to its owner.
 */
export async function writeKubeconfig(path: string, server: string, caCertPath: string, user: KubeconfigUser): Promise<void> {
  const b64 = async (file: string) => (await readFile(file)).toString('base64');
  const credentials =
    'token' in user
      ? { token: user.token }
      : { 'client-certificate-data': await b64(user.clientCertPath), 'client-key-data': await b64(user.clientKeyPath) };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'capstan-local', cluster: { server, 'certificate-authority-data': await b64(caCertPath) } }],
    users: [{ name: user.name, user: credentials }],
    contexts: [{ name: `${user.name}@capstan-local`, context: { cluster: 'capstan-local', user: user.name } }],
    'current-context': `${user.name}@capstan-local`,
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
}
