// node:http's server, loaded with require rather than import. An ES module import of node:http builds the
// module's namespace from every export it has, and reading its lazy `WebSocket`, `CloseEvent` and `MessageEvent`
// exports loads the whole of node's bundled undici: 13 MiB more resident memory in every operator, none of which
// uses them (Node 24.21: `node --max-semi-space-size=1 -e "require('node:http'); console.log(process.memoryUsage().rss >> 20)"`
// prints 44, the same with `--input-type=module` and `await import('node:http')` 57). The probe and metrics servers
// are its only users.
import type * as Http from 'node:http';
import { createRequire } from 'node:module';

const nodeHttp = createRequire(import.meta.url)('node:http') as typeof Http;

export const createServer: typeof Http.createServer = nodeHttp.createServer;
