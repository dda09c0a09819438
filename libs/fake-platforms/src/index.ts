/**
 * FAKE platform servers for tests and `agentflow demo`: GitHub REST (+ the review-thread GraphQL
 * operations), GitLab API v4 and Slack Web API, on 127.0.0.1. They keep the real wire shapes and
 * record what clients stored. Never use them in production.
 */
export * from './http';
export { commentableLines } from './github/diff-lines';
export * from './github/state';
export * from './github/server';
export * from './github/openapi';
export * from './github/rate-limits';
export * from './gitlab/server';
export * from './slack/server';
export {
  blobSha,
  treeSha,
  commitSha,
  contentBytes,
  type FileContent,
  type GitIdentity,
} from './github/git-objects';
export { DEFAULT_APP_PERMISSIONS, type AppPermissions } from './github/app-routes';
