// Reconciles WebApps: a Deployment running spec.image, a Service while spec.expose is true, and a status that
// reports the Deployment's readiness and the WebApp's Pods. Children are written by server-side apply: what the
// reconcile applies is all it wants of them, so a field it stops setting (the Secret's environment variable once
// spec.secretRef is removed) is removed, and an unchanged child is not written at all.
import { createHash } from 'node:crypto';
import { type ConditionInput, controller, Deployment, done, Pod, requeueAfter, Secret, Service } from 'capstan';
import { WebApp } from '../api/web-app.ts';
import { exposedPort, exposedPortIndex } from '../webhooks/web-app.ts';

/** The `app.kubernetes.io/managed-by` label of everything the operator creates; its caches of children hold only those. */
export const managedBy = 'web-app-operator';
/** The pod-template annotation that carries a hash of the referenced Secret value: a new value rolls the Pods. */
export const secretHashAnnotation = 'apps.example.com/secret-hash';

const managed = `app.kubernetes.io/managed-by=${managedBy}`;
const instanceLabel = 'app.kubernetes.io/instance';

export const webAppController = controller(WebApp)
  .owns(Deployment, { labelSelector: managed })
  .owns(Service, { labelSelector: managed })
  // The Pods, to list them in the status: cached (only the operator's), filed by WebApp.
  .watches(Pod, (pod) => webAppKeyOf(pod.metadata), { labelSelector: managed })
  .index(Pod, 'webApp', (pod) => webAppKeyOf(pod.metadata))
  // A Secret change rolls the WebApps that use it. Only Secrets' metadata is cached (no values in memory); the
  // value is read live, by name, when a WebApp needs it.
  .index(WebApp, 'secret', (webApp) => (webApp.spec.secretRef ? [webApp.spec.secretRef.name] : []))
  .index(WebApp, exposedPortIndex, exposedPort)
  .watches(
    Secret,
    async (secret, reads) =>
      (await reads.list(WebApp, { namespace: secret.metadata.namespace, index: { name: 'secret', value: secret.metadata.name! } })).map(
        (webApp) => `${webApp.metadata.namespace}/${webApp.metadata.name}`,
      ),
    { metadataOnly: true },
  )
  .reads(Secret, { live: true })
  .reconcile(async (ctx) => {
    const webApp = ctx.object;
    // Gone, or going: the garbage collector deletes the Deployment and Service through their ownerReferences.
    if (!webApp || webApp.metadata.deletionTimestamp) return done();
    const { image, replicas, port, secretRef, expose } = webApp.spec;
    const labels = { 'app.kubernetes.io/name': 'web-app', [instanceLabel]: ctx.name };

    let secretHash: string | undefined;
    if (secretRef) {
      const secret = await ctx.get(Secret, secretRef.name);
      const value = secret?.data?.[secretRef.key];
      if (value === undefined) {
        const message = `Secret ${secretRef.name} ${secret ? `has no key ${secretRef.key}` : 'does not exist'}; waiting for it`;
        await ctx.applyStatus([{ type: 'Progressing', status: 'False', reason: 'SecretNotFound', message }]);
        ctx.recordEvent('Warning', 'SecretNotFound', message);
        return done(); // the Secret's creation or change wakes this WebApp again
      }
      secretHash = createHash('sha256').update(value).digest('hex').slice(0, 16);
    }

    const deployment = await ctx.apply(Deployment, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: ctx.name, labels: { ...labels, 'app.kubernetes.io/managed-by': managedBy } },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels: { ...labels, 'app.kubernetes.io/managed-by': managedBy },
            ...(secretHash ? { annotations: { [secretHashAnnotation]: secretHash } } : {}),
          },
          spec: {
            containers: [
              {
                name: 'web',
                image,
                ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
                ...(secretRef
                  ? { env: [{ name: envName(secretRef.key), valueFrom: { secretKeyRef: { name: secretRef.name, key: secretRef.key } } }] }
                  : {}),
              },
            ],
          },
        },
      },
    });
    if (deployment.operation === 'collision') {
      const message = `Deployment ${ctx.name} exists and is not controlled by this WebApp; it is left as it is`;
      await ctx.applyStatus([{ type: 'Available', status: 'False', reason: 'DeploymentExists', message }]);
      ctx.recordEvent('Warning', 'DeploymentExists', message);
      return requeueAfter(30_000); // its deletion does not wake us (not ours, not cached): look again later
    }
    if (deployment.operation === 'created') ctx.recordEvent('Normal', 'Created', `Created Deployment ${ctx.name}`);
    if (deployment.operation === 'updated') {
      const what = [...deployment.changed, ...deployment.removed.map((path) => `removed ${path}`)].join(', ');
      ctx.recordEvent('Normal', 'Updated', `Updated Deployment ${ctx.name}: ${what}`.slice(0, 1000));
    }

    // Exposed, unless an older WebApp of the namespace exposes the same port (two creates at once can both pass
    // the webhook): then the older one keeps it, and this one says why it has no Service.
    let exposed: ConditionInput = { type: 'Exposed', status: 'False', reason: 'NotRequested', message: 'spec.expose is false' };
    const rivals = expose
      ? (await ctx.list(WebApp, { namespace: ctx.namespace, index: { name: exposedPortIndex, value: String(port) } })).filter(
          (other) => other.metadata.name !== ctx.name && isOlder(other, webApp),
        )
      : [];
    if (expose && rivals.length === 0) {
      const service = await ctx.apply(Service, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: ctx.name, labels: { ...labels, 'app.kubernetes.io/managed-by': managedBy } },
        spec: { selector: labels, ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }] },
      });
      if (service.operation === 'created') ctx.recordEvent('Normal', 'Created', `Created Service ${ctx.name}`);
      exposed = { type: 'Exposed', status: 'True', reason: 'ServiceReady', message: `Service ${ctx.name} exposes port ${port}` };
    } else {
      if (rivals.length > 0) {
        const message = `port ${port} is exposed by the older WebApp ${rivals[0]!.metadata.name} already`;
        exposed = { type: 'Exposed', status: 'False', reason: 'PortConflict', message };
        ctx.recordEvent('Warning', 'PortConflict', `Not exposing WebApp ${ctx.name}: ${message}`);
      }
      if ((await ctx.deleteChild(Service, ctx.name)).operation === 'deleted') {
        ctx.recordEvent('Normal', 'Deleted', `Deleted Service ${ctx.name}: ${exposed.message}`);
      }
    }

    // The status: what the Deployment controller reports, and the Pods from the cache, by index.
    const observed = deployment.operation === 'deleted' ? undefined : deployment.object;
    const pods = await ctx.list(Pod, { namespace: ctx.namespace, labelSelector: managed, index: { name: 'webApp', value: ctx.key } });
    const readyReplicas = observed?.status?.readyReplicas ?? 0;
    await ctx.applyStatus([mirrored(observed, 'Available'), mirrored(observed, 'Progressing'), exposed], {
      readyReplicas,
      pods: pods.map((pod) => pod.metadata.name!).sort(),
    });
    // In a port conflict, look again later: nothing announces that the older WebApp stopped exposing the port.
    return rivals.length > 0 ? requeueAfter(30_000) : done();
  });

/** Whether `a` was created before `b` (by creation time, then name: the same order on every replica). */
function isOlder(a: WebApp, b: WebApp): boolean {
  const [ta, tb] = [a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? ''];
  return ta !== tb ? ta < tb : a.metadata.name! < b.metadata.name!;
}

/** The key of the WebApp an object of it belongs to, from its instance label. */
function webAppKeyOf(metadata: { namespace?: string; labels?: Record<string, string> }): string[] {
  const instance = metadata.labels?.[instanceLabel];
  return instance && metadata.namespace ? [`${metadata.namespace}/${instance}`] : [];
}

/** The Deployment's condition `type`, as the WebApp's (the Deployment controller decides availability and progress). */
function mirrored(deployment: Deployment | undefined, type: 'Available' | 'Progressing'): ConditionInput {
  const condition = deployment?.status?.conditions?.find((c) => c.type === type);
  if (!condition)
    return { type, status: 'Unknown', reason: 'DeploymentPending', message: 'the Deployment controller has not reported yet' };
  return {
    type,
    status: condition.status as ConditionInput['status'],
    reason: condition.reason ?? type,
    message: condition.message ?? '',
  };
}

/** The environment variable a Secret key is given in: `api-token` → `API_TOKEN`. */
function envName(key: string): string {
  const name = key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}
