export * from './core/index.ts';
export * from './client/index.ts';
