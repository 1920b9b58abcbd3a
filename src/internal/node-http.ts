// node:http's server, loaded with require rather than import. An ES module import of node:http builds the
// module's namespace from every export it has, and reading its lazy `WebSocket`, `CloseEvent` and `MessageEvent`
// exports loads the whole of node's bundled undici: about 12 MiB more resident memory (Node 24.21, measured with
// `node --max-semi-space-size=1`: 59 MiB after `import('node:http')`, 47 MiB after `require('node:http')`) in
// every operator, none of which uses them. The probe and metrics servers are its only users.
import type * as Http from 'node:http';
import { createRequire } from 'node:module';

const nodeHttp = createRequire(import.meta.url)('node:http') as typeof Http;

export const createServer: typeof Http.createServer = nodeHttp.createServer;
