export { CapstanError } from './errors.ts';
export type { PolicyRule } from './rbac.ts';
