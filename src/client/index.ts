/**
 * The typed Kubernetes client: a {@link KubeClient} from a kubeconfig or a pod's service account, a
 * {@link ResourceClient} per kind (get, list, create, update, merge and JSON patch, server-side apply, delete,
 * status, watch), the credential sources, and the client's errors with predicates that say what the caller must
 * do. Import it to talk to the API server directly: from a script, a CLI, a test, or to build a client of your
 * own for the manager. `capstan` re-exports the errors and predicates a reconciler needs, and a reconciler has the
 * manager's client in its context (`ctx.client`).
 *
 * @module capstan/client
 */
export {
  ApiError,
  type ApiErrorCode,
  ClientError,
  type ClientErrorCode,
  hasStatusCause,
  type StatusBody,
  UnknownResourceError,
} from './api-error.ts';
export { type CredentialMaterial, type Credentials, DelegatedCredentials, StaticCredentials, TokenFileCredentials } from './credentials.ts';
export {
  isAlreadyExists,
  isApiError,
  isConflict,
  isExpired,
  isNamespaceTerminating,
  isNotFound,
  isRefusal,
  isRetryable,
} from './error-predicates.ts';
export { type ExecConfig, ExecCredentials } from './exec-credentials.ts';
export {
  KubeClient,
  type KubeClientOptions,
  type KubeTransport,
  type RequestOptions,
  type RequestRecord,
  type RequestStart,
  type StreamResponse,
} from './kube-client.ts';
export { type ConnectionConfig, defaultKubeconfigPath, loadInCluster, loadKubeconfig } from './kubeconfig.ts';
export { type ObservedRequest, prometheusRequestMetrics, type RequestMetrics } from './request-metrics.ts';
export {
  type ApplyOptions,
  type CallOptions,
  type CollectionScope,
  type DeleteOptions,
  type ListOptions,
  type MergePatch,
  type ObjectOptions,
  type PatchOptions,
  ResourceClient,
  type WatchRequestOptions,
  type WriteOptions,
} from './resource-client.ts';
export { parseWatchStream, type RawWatchEvent, type WatchStream } from './watch-stream.ts';
