// The three parts of undici the client uses, loaded on their own. undici's index loads every dispatcher,
// interceptor, mock agent and cache store it has, about 12 MiB of RSS in every operator that uses none of
// them (measured: `require('undici')` 69 MiB, these three modules 57 MiB, bare Node 41 MiB). undici is pinned
// to one exact version in package.json, whose file layout this relies on; its types come from its index.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export type Agent = Undici.Agent;
export const buildConnector = require('undici/lib/core/connect.js') as typeof Undici.buildConnector;
// eslint-disable-next-line @typescript-eslint/no-namespace -- undici's own type namespace, re-exported
export declare namespace buildConnector {
  type connector = Undici.buildConnector.connector;
}
export type ResponseData = Undici.Dispatcher.ResponseData;
export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method: Undici.Dispatcher.HttpMethod;
};

const apiRequest = require('undici/lib/api/api-request.js') as (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<ResponseData>;

/** undici's `request(url, { dispatcher, ... })`, without its index: the request is sent through `dispatcher`. */
export function request(dispatcher: Undici.Dispatcher, url: URL, options: RequestOptions): Promise<ResponseData> {
  return apiRequest.call(dispatcher, { ...options, origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname });
}
