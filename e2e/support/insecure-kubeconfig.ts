import { writeFile } from 'node:fs/promises';

/**
 * Write a kubeconfig for a throwaway test server on loopback (`https://127.0.0.1:<port>`, its certificate not
 * verified, a bearer token `t`): what the client's and the metrics server's unit tests point a KubeClient at.
 * A real control plane's kubeconfig comes from capstan/testing (`writeKubeconfig`, with its CA).
 */
export async function writeInsecureKubeconfig(path: string, port: number): Promise<void> {
  await writeFile(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
}
