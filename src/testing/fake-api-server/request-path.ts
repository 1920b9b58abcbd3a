// What an API path addresses, read back from the shape `resourcePath` builds: `/api/v1/…` or `/apis/<group>/<version>/…`,
// then `namespaces/<ns>/` for a namespaced resource, the plural, an object name, a subresource.
import type { Kind } from '../../core/index.ts';

/** The resource, namespace, object and subresource a path names. */
export interface ResourceTarget {
  readonly kind: Kind;
  /** Undefined for a cluster-scoped kind, and for a namespaced kind's collection across all namespaces. */
  readonly namespace: string | undefined;
  /** Undefined for the collection. */
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

/** The kinds served, looked up by group, version and plural. */
export class ServedKinds {
  private readonly byResource = new Map<string, Kind>();

  constructor(kinds: readonly Kind[]) {
    for (const kind of kinds) this.byResource.set(`${kind.group}/${kind.version}/${kind.plural}`, kind);
  }

  find(group: string, version: string, plural: string): Kind | undefined {
    return this.byResource.get(`${group}/${version}/${plural}`);
  }

  /** The kind of an object (its `apiVersion` and `kind`), for owner references. */
  byKind(apiVersion: string, kindName: string): Kind | undefined {
    for (const kind of this.byResource.values()) {
      const version = kind.group ? `${kind.group}/${kind.version}` : kind.version;
      if (version === apiVersion && kind.kind === kindName) return kind;
    }
    return undefined;
  }

  all(): Kind[] {
    return [...this.byResource.values()];
  }

  /** What `path` addresses, or undefined when no served kind answers it (a 404 without details). */
  resolve(path: string): ResourceTarget | undefined {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let rest: string[];
    if (parts[0] === 'api') {
      group = '';
      rest = parts.slice(1);
    } else if (parts[0] === 'apis' && parts.length >= 3) {
      group = parts[1]!;
      rest = parts.slice(2);
    } else return undefined;
    const [version, ...tail] = rest;
    if (version === undefined) return undefined;
    if (tail[0] === 'namespaces' && tail.length >= 3) {
      const kind = this.find(group, version, tail[2]!);
      if (kind?.namespaced) return target(kind, tail[1], tail.slice(3));
    }
    const kind = tail[0] === undefined ? undefined : this.find(group, version, tail[0]);
    if (!kind) return undefined;
    return target(kind, undefined, tail.slice(1));
  }
}

function target(kind: Kind, namespace: string | undefined, tail: string[]): ResourceTarget | undefined {
  if (tail.length > 2) return undefined;
  const [name, subresource] = tail;
  // A namespaced object needs its namespace; without one, only the all-namespaces collection is served.
  if (kind.namespaced && namespace === undefined && name !== undefined) return undefined;
  return { kind, namespace: kind.namespaced ? namespace : undefined, name, subresource };
}
