export { type Check, ProbeServer, type ProbeServerOptions } from './probe-server.ts';
