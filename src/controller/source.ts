import type { KubeObject } from '../core/index.ts';
import type { ObjectReader } from './child.ts';

/** A change the cache saw: an object added or updated (`old` is the previous version), or deleted. */
export type ObjectChange<T extends KubeObject> =
  | { readonly type: 'apply'; readonly object: T; readonly old: T | undefined }
  | { readonly type: 'delete'; readonly object: T };

/**
 * What a controller needs of a cache: read by key, list, be told of changes, and know when the first list
 * is complete. The manager builds one per kind and scope and shares it between controllers.
 */
export interface ObjectSource<T extends KubeObject> extends ObjectReader<T> {
  list(): T[];
  /** Calls `listener` for every later change; returns the function that stops it. */
  subscribe(listener: (change: ObjectChange<T>) => void): () => void;
  readonly synced: boolean;
  /**
   * The newest `resourceVersion` the cache has seen for `key`, or `undefined` if the key is absent.
   * Used to wait until the cache reflects a write the controller made itself.
   */
  resourceVersionOf(key: string): string | undefined;
  /**
   * The newest `resourceVersion` among the changes the cache has applied, if it tracks one: every change
   * of its objects up to it is reflected, deletions included. With it, a key that is absent although it
   * was written at an older version counts as caught up (it was deleted since) instead of being waited for.
   */
  latestResourceVersion?(): string | undefined;
}

/** A simple logger, structurally compatible with pino. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: object): Logger;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
