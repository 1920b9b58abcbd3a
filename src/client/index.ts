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
