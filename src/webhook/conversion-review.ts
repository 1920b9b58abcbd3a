// The conversion webhook's protocol: `apiextensions.k8s.io/v1` ConversionReview in and out, served at one path for
// every kind, and the client config a CRD's `spec.conversion` needs to reach it.
import type { KubeObject } from '../core/index.ts';
import { isPlainObject } from '../internal/json.ts';
import { WebhookError } from './admission.ts';
import { type ConversionDefinition, ConversionError, describeObject, splitApiVersion } from './conversion.ts';

/**
 * An `apiextensions.k8s.io/v1` ConversionReview, as the API server sends it and as it takes the answer.
 *
 * @example
 * ```ts
 * import type { ConversionReview } from 'capstan/webhook';
 * const failed: ConversionReview = {
 *   apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview',
 *   response: { uid: 'u-1', convertedObjects: [], result: { status: 'Failure', message: 'spec.image has no tag' } },
 * };
 * ```
 */
export interface ConversionReview {
  /** Always `apiextensions.k8s.io/v1` (the only version Capstan's CRDs list in `conversionReviewVersions`). */
  apiVersion: 'apiextensions.k8s.io/v1';
  /** Always `ConversionReview`. */
  kind: 'ConversionReview';
  /** What the API server asks; absent in an answer. */
  request?: {
    /** Identifies this request; the answer carries it back. */
    uid: string;
    /** The version every object is wanted in (`example.com/v2`). */
    desiredAPIVersion: string;
    /** The objects to convert, each in its own version (one kind per review). */
    objects: unknown[];
  };
  /** The webhook's answer; absent in a request. */
  response?: {
    /** The request's `uid`. */
    uid: string;
    /** Every object of the request in `desiredAPIVersion`, in the same order; empty on failure. */
    convertedObjects: unknown[];
    /** Whether the conversion succeeded; a failure's message reaches the client. */
    result:
      | {
          /** Every object converted. */
          status: 'Success';
        }
      | {
          /** No object converted: the API server fails the client's request. */
          status: 'Failure';
          /** Which object could not be converted, and why. */
          message: string;
        };
  };
}

/**
 * Answer a ConversionReview with the conversions of `definitions` (chosen by each object's group and kind): every
 * object in `desiredAPIVersion`, or a `Failure` whose message names the first object that could not be converted
 * and why (the API server shows it to the client, e.g. kubectl). Throws {@link WebhookError} for a review without a
 * request.
 *
 * @example
 * ```ts
 * import type { ConversionDefinition, ConversionReview } from 'capstan/webhook';
 * import { convertReview } from 'capstan/webhook';
 * declare const widgetConversion: ConversionDefinition;
 * const answer = convertReview([widgetConversion], {
 *   apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview',
 *   request: { uid: 'u-1', desiredAPIVersion: 'example.com/v2', objects: [] },
 * });
 * console.log(answer.response?.result.status); // 'Success'
 * ```
 */
export function convertReview(definitions: readonly ConversionDefinition[], review: ConversionReview): ConversionReview {
  const request = review.request;
  if (!request || typeof request.uid !== 'string' || !Array.isArray(request.objects)) {
    throw new WebhookError('INVALID_WEBHOOK', 'the ConversionReview has no request with uid and objects');
  }
  const answer = (response: Omit<NonNullable<ConversionReview['response']>, 'uid'>): ConversionReview => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    response: { uid: request.uid, ...response },
  });
  const convertedObjects: unknown[] = [];
  for (const item of request.objects) {
    try {
      if (!isPlainObject(item) || !isPlainObject(item['metadata'])) {
        throw new ConversionError(
          'CONVERSION_FAILED',
          `cannot convert ${JSON.stringify(item)?.slice(0, 200)}: not an object with metadata`,
        );
      }
      const object = item as unknown as KubeObject;
      const { group } = splitApiVersion(object.apiVersion);
      const definition = definitions.find((d) => d.group === group && d.kind === object.kind);
      if (!definition) {
        throw new ConversionError(
          'CONVERSION_FAILED',
          `cannot convert ${describeObject(object)} (${object.apiVersion}): no conversion for ${object.kind}.${group} is served here (served: ${definitions.map((d) => d.crdName).join(', ') || 'none'})`,
        );
      }
      convertedObjects.push(definition.convert(object, request.desiredAPIVersion));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return answer({ convertedObjects: [], result: { status: 'Failure', message } });
    }
  }
  return answer({ convertedObjects, result: { status: 'Success' } });
}

/**
 * The path the webhook server serves conversions at, for every kind (the objects say which conversion applies).
 *
 * @example
 * ```ts
 * import { conversionPath } from 'capstan/webhook';
 * const clientConfig = { service: { namespace: 'widget-system', name: 'widget-webhooks', path: conversionPath } };
 * ```
 */
export const conversionPath = '/convert';

/**
 * The conversion webhook of each CRD that one of `definitions` serves, as `crdFor`/`crdsFor`'s `conversion`
 * option (capstan/crd) takes it: `clientConfig` with the path {@link conversionPath} added (to `service.path`, or
 * to the end of `url`); `undefined` for other CRDs.
 *
 * @example
 * ```ts
 * import type { CustomResource } from 'capstan/crd';
 * import { crdsFor } from 'capstan/crd';
 * import { type ConversionDefinition, crdConversions } from 'capstan/webhook';
 * declare const resources: CustomResource[];
 * declare const conversions: ConversionDefinition[];
 * const crds = crdsFor(resources, {
 *   conversion: crdConversions(conversions, { service: { namespace: 'widget-system', name: 'widget-webhooks', port: 443 } }),
 * });
 * ```
 */
export function crdConversions(
  definitions: readonly ConversionDefinition[],
  clientConfig:
    | { readonly url: string; readonly caBundle?: string }
    | { readonly service: { readonly namespace: string; readonly name: string; readonly port?: number }; readonly caBundle?: string },
): (crdName: string) =>
  | {
      /** `clientConfig` with the conversion path added: a CRD's `spec.conversion.webhook.clientConfig`. */
      clientConfig:
        | {
            /** The given `url` with `/convert` at the end. */
            url: string;
            /** The given `caBundle`. */
            caBundle?: string;
          }
        | {
            /** The given Service, with `path: '/convert'`. */
            service: {
              /** The Service's namespace. */
              namespace: string;
              /** The Service's name. */
              name: string;
              /** Always {@link conversionPath}. */
              path: string;
              /** The Service port; the API server's default is 443. */
              port?: number;
            };
            /** The given `caBundle`. */
            caBundle?: string;
          };
    }
  | undefined {
  const caBundle = clientConfig.caBundle === undefined ? {} : { caBundle: clientConfig.caBundle };
  const config =
    'url' in clientConfig
      ? { url: `${clientConfig.url.replace(/\/$/, '')}${conversionPath}`, ...caBundle }
      : { service: { ...clientConfig.service, path: conversionPath }, ...caBundle };
  const served = new Set(definitions.map((d) => d.crdName));
  return (crdName) => (served.has(crdName) ? { clientConfig: structuredClone(config) } : undefined);
}
