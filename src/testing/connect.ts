import { KubeClient } from '../client/index.ts';
import { Cluster, type ClusterDescriptor } from './cluster.ts';

/**
 * Connect to a control plane another process started (for example the one `npm test` shares between test
 * files), from its descriptor. Close it with `cluster.admin.close()`.
 *
 * @example
 * ```ts
 * import { connectToCluster } from 'capstan/testing';
 * const cluster = await connectToCluster({
 *   kubeconfigPath: '/tmp/cp/admin.kubeconfig', caCertPath: '/tmp/cp/pki/ca.crt',
 *   auditLogPath: '/tmp/cp/audit.log', dir: '/tmp/cp',
 * });
 * await cluster.admin.close();
 * ```
 */
export async function connectToCluster(descriptor: ClusterDescriptor): Promise<Cluster> {
  const admin = await KubeClient.fromKubeconfig({ kubeconfigPath: descriptor.kubeconfigPath });
  return new Cluster({ ...descriptor, admin });
}
