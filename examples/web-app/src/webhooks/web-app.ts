// The WebApp's validating webhook: no two WebApps of a namespace may expose the same port, a rule CEL cannot
// express (it compares an object with the others). It reads the other WebApps from the manager's cache, by index.
// Two creates at the same moment can both pass (each is checked before the other is stored): the controller
// makes that safe, by exposing only the older of the two and reporting the conflict on the other (Exposed=False,
// reason PortConflict).
import { deny, webhook } from 'capstan/webhook';
import { WebApp } from '../api/web-app.ts';

/** The index of WebApps by the port they expose (none when they do not); the controller reads it too. */
export const exposedPortIndex = 'exposedPort';
export function exposedPort(webApp: WebApp): string[] {
  return webApp.spec.expose ? [String(webApp.spec.port)] : [];
}

export const webAppWebhooks = webhook(WebApp)
  .reads(WebApp)
  .index(WebApp, exposedPortIndex, exposedPort)
  .validate(
    async ({ object, namespace, reads }) => {
      if (!object.spec.expose) return undefined;
      const others = (await reads.list(WebApp, { namespace, index: { name: exposedPortIndex, value: String(object.spec.port) } })).filter(
        (other) => other.metadata.name !== object.metadata.name,
      );
      if (others.length === 0) return undefined;
      const names = others.map((other) => other.metadata.name).sort();
      return deny(
        `spec.port ${object.spec.port} is exposed in namespace ${namespace} by WebApp ${names.join(', ')} already: pick another port, or set spec.expose to false`,
      );
    },
    { operations: ['CREATE', 'UPDATE'], failurePolicy: 'Fail', timeoutSeconds: 5 },
  );
