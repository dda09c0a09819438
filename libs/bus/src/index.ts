export * from './bus';
export * from './messenger';
