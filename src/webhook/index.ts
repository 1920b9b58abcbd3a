/**
 * Admission and conversion webhooks: {@link webhook} declares a kind's validating and mutating (defaulting)
 * handlers, typed by the kind, with the JSON Patch computed for you; {@link conversion} declares the conversions
 * between a CRD's versions, hub and spokes, keeping fields one version lacks in an annotation. In an operator,
 * `manager.add(definition)` serves them on every replica (and, with `--webhook-cert-secret`, makes and rotates
 * their certificates); import this entry point to declare them, to serve them yourself ({@link serveWebhooks},
 * {@link CertificateManager}), or to write their webhook configurations and RBAC.
 *
 * @module capstan/webhook
 */
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
export {
  conversion,
  type ConversionBuilder,
  type ConversionDefinition,
  ConversionError,
  type ConvertedFields,
  isConversionDefinition,
  type SpokeConversion,
} from './conversion.ts';
export { conversionDataAnnotation } from './conversion-data.ts';
export { conversionPath, type ConversionReview, convertReview, crdConversions } from './conversion-review.ts';
export { jsonPatchBetween } from './json-patch-diff.ts';
export { serveWebhooks, type WebhookServer, type WebhookServerMetrics, type WebhookServerOptions } from './server.ts';
export { type CertificateOptions, type CertificatePair, createCertificateAuthority, issueServingCertificate } from './certificates.ts';
export { type CertificateSource } from './certificate-source.ts';
export { CertificateManager, type CertificateManagerOptions } from './certificate-manager.ts';
export { dryRunVerifier, webhookCertificateRules, type WebhookCertificateRulesOptions } from './certificate-checks.ts';
export { defaultRotationPolicy, type RotationPhase, type RotationPolicy, rotationAnnotations } from './certificate-rotation.ts';
