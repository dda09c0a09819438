export * from './database';
export * from './errors';
export * from './lock';
export * from './migrations';
export * from './open';
export { PostgresDatabase, type PostgresOptions } from './postgres';
export { PgliteDatabase, type PgliteOptions } from './pglite';
export * from './usefulness';
