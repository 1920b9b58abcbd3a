// `capstan run` with admission webhooks or conversions: the operator on this machine serves them on 127.0.0.1 with a
// certificate made for the session, and they are registered with the API server by `url` until the run ends (each
// converted CRD's `spec.conversion` points at the run, and is put back as it was afterwards). Only a control plane
// on this machine can call a loopback url, so they are registered only when the API server is local.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound } from '../client/index.ts';
import {
  type ConversionDefinition,
  conversionPath,
  createCertificateAuthority,
  issueServingCertificate,
  type WebhookDefinition,
  webhookConfigurations,
} from '../webhook/index.ts';
import { CliFailure, describeError } from './failure.ts';
import { conversionsOf, importOperator, webhooksOf } from './operator-module.ts';
import type { KubeTarget } from './kube-target.ts';
import type { Project } from './project.ts';
import { freePort } from '../testing/ports.ts';

/** The webhooks registered for one run: the operator's flags, and how to take the registrations back. */
export interface LocalWebhooks {
  readonly args: readonly string[];
  remove(): Promise<void>;
}

const admission = '/apis/admissionregistration.k8s.io/v1';
const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** What the operator serves over HTTPS: its admission webhooks and its conversions. */
export interface OperatorWebhooks {
  readonly admission: readonly WebhookDefinition[];
  readonly conversions: readonly ConversionDefinition[];
}

/** The `webhooks` and `conversions` exports of the project's operator module (each none when absent). */
export async function loadWebhooks(project: Project): Promise<OperatorWebhooks> {
  const module = await importOperator(project);
  return { admission: webhooksOf(module, project), conversions: conversionsOf(module, project) };
}

/** True for an API server on this machine (a loopback address or `localhost`). */
export function isLocalServer(server: string): boolean {
  const host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Register `webhooks` for a local run: a CA and a serving certificate for 127.0.0.1 in a temporary folder, a free
 * port, Validating/MutatingWebhookConfigurations named `<project>-local` with `url`s on 127.0.0.1 (for the run's
 * namespaces only, when it has some), and each converted CRD's `spec.conversion` set to `<url>/convert` (put back
 * as it was by `remove`). `undefined`, after saying why, when the API server is not local.
 */
export async function registerLocalWebhooks(
  project: Project,
  target: KubeTarget,
  hooks: OperatorWebhooks,
  namespaces: readonly string[] | undefined,
  say: (line: string) => void,
): Promise<LocalWebhooks | undefined> {
  const webhooks = hooks.admission;
  const kinds = [...webhooks.map((w) => w.kind.kind), ...hooks.conversions.map((c) => `${c.kind} conversion`)].join(', ');
  if (!isLocalServer(target.server)) {
    say(
      `the webhooks of ${kinds} are not registered: the API server at ${target.server} cannot call this machine's 127.0.0.1 ` +
        '(deploy the operator, or run it against a local control plane: `capstan control-plane up`)',
    );
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), `capstan-webhooks-${project.name}-`));
  const ca = createCertificateAuthority({ commonName: `${project.name}-local-webhook-ca`, validityDays: 7 });
  const serving = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'], validityDays: 7 });
  await writeFile(join(dir, 'tls.crt'), serving.cert);
  await writeFile(join(dir, 'tls.key'), serving.key, { mode: 0o600 });
  const port = await freePort();
  const name = `${project.name}-local`;
  const { validating, mutating } = webhookConfigurations(webhooks, {
    name,
    clientConfig: { url: `https://127.0.0.1:${port}`, caBundle: Buffer.from(ca.cert).toString('base64') },
    ...(namespaces ? { namespaces } : {}),
  });
  const registered: string[] = [];
  /** Converted CRDs and the `spec.conversion` each had before the run. */
  const converted: Array<{ path: string; before: unknown }> = [];
  const remove = async () => {
    for (const path of registered.splice(0)) {
      await target.client.request({ method: 'DELETE', path }).catch((err: unknown) => {
        if (!isNotFound(err)) say(`could not remove ${path}: ${describeError(err)}`);
      });
    }
    for (const { path, before } of converted.splice(0)) {
      const body = [{ op: 'replace', path: '/spec/conversion', value: before ?? { strategy: 'None' } }];
      await target.client.request({ method: 'PATCH', path, body, contentType: 'application/json-patch+json' }).catch((err: unknown) => {
        if (!isNotFound(err)) say(`could not put back the conversion of ${path}: ${describeError(err)}`);
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [resource, body] of [
      ['validatingwebhookconfigurations', validating],
      ['mutatingwebhookconfigurations', mutating],
    ] as const) {
      if (!body) continue;
      const path = `${admission}/${resource}/${name}`;
      // A registration left by a run that was killed is replaced.
      await target.client.request({ method: 'DELETE', path }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      await target.client.request({ method: 'POST', path: `${admission}/${resource}`, body });
      registered.push(path);
    }
    const clientConfig = { url: `https://127.0.0.1:${port}${conversionPath}`, caBundle: Buffer.from(ca.cert).toString('base64') };
    for (const conversion of hooks.conversions) {
      const path = `${crds}/${conversion.crdName}`;
      const crd = await target.client.request<{ spec: { conversion?: unknown } }>({ path }).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (!crd) {
        say(`the conversion of ${conversion.crdName} is not registered: that CRD is not installed (run \`capstan install\`)`);
        continue;
      }
      const value = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig } };
      const body = [{ op: 'add', path: '/spec/conversion', value }];
      await target.client.request({ method: 'PATCH', path, body, contentType: 'application/json-patch+json' });
      converted.push({ path, before: crd.spec.conversion });
    }
  } catch (err) {
    await remove();
    throw new CliFailure(`registering the webhooks of ${kinds} failed: ${describeError(err)}`);
  }
  say(`webhooks of ${kinds} registered as ${name}, served at https://127.0.0.1:${port} until the run ends`);
  return { args: [`--webhook-cert-dir=${dir}`, `--webhook-port=${port}`], remove };
}
