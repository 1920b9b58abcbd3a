export {
  type AdmissionHandler,
  type AdmissionOperation,
  type AdmissionRequest,
  type AdmissionReview,
  type AdmissionUserInfo,
  deny,
  type Denial,
  review,
  type Verdict,
  webhook,
  type WebhookBuilder,
  type WebhookDefinition,
  WebhookError,
  type WebhookOptions,
  webhookPath,
} from './admission.ts';
export { type WebhookClientConfig, webhookConfigurations } from './configuration.ts';
export { jsonPatchBetween } from './json-patch-diff.ts';
export { serveWebhooks, type WebhookServer, type WebhookServerOptions } from './server.ts';
export { type CertificateOptions, type CertificatePair, createCertificateAuthority, issueServingCertificate } from './certificates.ts';
