/** The deployed stack in tests: see stack.ts and docs/development.md ("The deployed stack in tests"). */
export {
  Stack,
  startStack,
  DEFAULT_REPLICAS,
  type StackOptions,
  type StackService,
  type RunRow,
  type WaitOptions,
} from './stack';
export {
  FakeControl,
  GitHubControl,
  SlackControl,
  VendorControl,
  type FakeRequestRecord,
  type RemoteFailureRule,
} from './fake-clients';
export type { GitHubSnapshot } from './fake-snapshot';
export { ManagedProcess } from './processes';
export { pullRequestPayload, sendSignedWebhook, type SignedDelivery } from './webhooks';
export {
  checkRunWritesPerRun,
  countGitHubWrites,
  type CheckRunWrites,
  type GitHubWrites,
} from './github-writes';
