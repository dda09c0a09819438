export * from './service';
export * from './coordinator';
export * from './config';
export * from './consumers';
export * from './crash-points';
export * from './cross-run';
export * from './history';
export * from './run-store';
export { runStandaloneCoordinator } from './standalone';
