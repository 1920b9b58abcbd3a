export { ApiError, ClientError, type StatusBody } from './api-error.ts';
export { KubeClient, type KubeClientOptions, type RequestOptions } from './kube-client.ts';
