// A model of the HelloWorlds a user keeps in one namespace (name → spec.name) and the commands that change
// both the model and the cluster, for fast-check's model-based runner. The names come from a small pool so
// the commands collide: an update right after a create, a recreate of what was just deleted.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeClient } from '../../src/client/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { HelloWorld, managedBy } from './rig.ts';

/** What should exist: every HelloWorld by name, with its spec.name. */
export interface HelloWorldModel {
  readonly helloWorlds: Map<string, string>;
}

/** The system under test: one namespace of the cluster, written as the admin. */
export interface Namespace {
  readonly admin: KubeClient;
  readonly namespace: string;
  /** Every command run, in order, as its `toString()` (`create a "hi"`, `delete a`, …). */
  readonly ran: string[];
}

type Command = fc.AsyncCommand<HelloWorldModel, Namespace>;

function helloWorld(name: string, message: string): HelloWorld {
  return { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name }, spec: { name: message } };
}

class Create implements Command {
  readonly name: string;
  readonly message: string;
  constructor(name: string, message: string) {
    this.name = name;
    this.message = message;
  }
  check(m: Readonly<HelloWorldModel>): boolean {
    return !m.helloWorlds.has(this.name);
  }
  async run(m: HelloWorldModel, r: Namespace): Promise<void> {
    await r.admin.resource(HelloWorld).create(helloWorld(this.name, this.message), { namespace: r.namespace });
    m.helloWorlds.set(this.name, this.message);
    r.ran.push(this.toString());
  }
  toString(): string {
    return `create ${this.name} ${JSON.stringify(this.message)}`;
  }
}

class Update implements Command {
  readonly name: string;
  readonly message: string;
  constructor(name: string, message: string) {
    this.name = name;
    this.message = message;
  }
  check(m: Readonly<HelloWorldModel>): boolean {
    return m.helloWorlds.has(this.name);
  }
  async run(m: HelloWorldModel, r: Namespace): Promise<void> {
    await r.admin.resource(HelloWorld).mergePatch(this.name, { spec: { name: this.message } }, { namespace: r.namespace });
    m.helloWorlds.set(this.name, this.message);
    r.ran.push(this.toString());
  }
  toString(): string {
    return `update ${this.name} ${JSON.stringify(this.message)}`;
  }
}

class Delete implements Command {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  check(m: Readonly<HelloWorldModel>): boolean {
    return m.helloWorlds.has(this.name);
  }
  async run(m: HelloWorldModel, r: Namespace): Promise<void> {
    await r.admin.resource(HelloWorld).delete(this.name, { namespace: r.namespace });
    m.helloWorlds.delete(this.name);
    r.ran.push(this.toString());
  }
  toString(): string {
    return `delete ${this.name}`;
  }
}

/** Delete, then create at once with the same name (a new uid): HelloWorlds have no finalizer, so the name is free at once. */
class Recreate implements Command {
  readonly name: string;
  readonly message: string;
  constructor(name: string, message: string) {
    this.name = name;
    this.message = message;
  }
  check(m: Readonly<HelloWorldModel>): boolean {
    return m.helloWorlds.has(this.name);
  }
  async run(m: HelloWorldModel, r: Namespace): Promise<void> {
    const client = r.admin.resource(HelloWorld);
    await client.delete(this.name, { namespace: r.namespace });
    m.helloWorlds.delete(this.name);
    await client.create(helloWorld(this.name, this.message), { namespace: r.namespace });
    m.helloWorlds.set(this.name, this.message);
    r.ran.push(this.toString());
  }
  toString(): string {
    return `recreate ${this.name} ${JSON.stringify(this.message)}`;
  }
}

const label = (max: number) => fc.stringMatching(new RegExp(`^[a-z0-9]([-a-z0-9]{0,${max - 2}}[a-z0-9])?$`));

/**
 * A DNS-1123 subdomain (what names of custom resources and ConfigMaps must be): dot-separated labels of
 * lower-case letters, digits and inner hyphens; mostly short, sometimes of 63-character labels up to 253.
 */
export const subdomainName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(label(8), { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.')) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.stringMatching(/^[a-z0-9][-a-z0-9]{61}[a-z0-9]$/), { minLength: 1, maxLength: 3 })
      .map((labels) => labels.join('.')),
  },
  { weight: 1, arbitrary: fc.constant(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`) },
);

/** A spec.name: printable ASCII mostly, sometimes any code points (controls, astral planes). */
const message: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }) },
);

/**
 * A pool of 1 to 3 names and up to `maxCommands` commands over it (sized up to the maximum: a command
 * whose precondition fails, such as an update of a name not created yet, is skipped).
 */
export function helloWorldCommands(options: {
  maxCommands: number;
  replayPath?: string;
}): fc.Arbitrary<{ pool: string[]; commands: Iterable<Command> }> {
  return fc.uniqueArray(subdomainName, { minLength: 1, maxLength: 3 }).chain((pool) => {
    const name = fc.constantFrom(...pool);
    return fc.record({
      pool: fc.constant(pool),
      commands: fc.commands<HelloWorldModel, Namespace, false>(
        [
          fc.tuple(name, message).map(([n, m]) => new Create(n, m)),
          fc.tuple(name, message).map(([n, m]) => new Update(n, m)),
          name.map((n) => new Delete(n)),
          fc.tuple(name, message).map(([n, m]) => new Recreate(n, m)),
        ],
        { maxCommands: options.maxCommands, size: 'max', replayPath: options.replayPath },
      ),
    });
  });
}

/** Assert the namespace holds exactly the model's HelloWorlds, with its spec.names, and exactly their ConfigMaps. */
export async function assertMatchesModel(model: HelloWorldModel, r: Namespace): Promise<void> {
  const helloWorlds = (await r.admin.resource(HelloWorld).listAll({ namespace: r.namespace })).items;
  const configMaps = (
    await r.admin.resource(ConfigMap).listAll({ namespace: r.namespace, labelSelector: `app.kubernetes.io/managed-by=${managedBy}` })
  ).items;
  const expected = [...model.helloWorlds.entries()].sort(([a], [b]) => a.localeCompare(b));
  const specs = helloWorlds.map((h) => [h.metadata.name!, h.spec.name] as const).sort(([a], [b]) => a.localeCompare(b));
  assert.deepEqual(specs, expected, "the HelloWorlds on the server are the model's, with its spec.names");
  const messages = configMaps.map((c) => [c.metadata.name!, c.data?.['message']] as const).sort(([a], [b]) => a.localeCompare(b));
  assert.deepEqual(messages, expected, "the ConfigMaps are exactly the model's, each with its HelloWorld's spec.name");
}
