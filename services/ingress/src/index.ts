export * from './service';
export {
  createIngress,
  deliveryConsumer,
  type Ingress,
  type IngressContext,
  type IngressOverrides,
} from './ingress';
export { readIngressConfig, type IngressConfig } from './config';
export {
  WebhookIntake,
  GITHUB_EVENTS,
  GITLAB_EVENTS,
  type IntakeReply,
  type InboundWebhook,
} from './webhooks/intake';
export { deliveryMessageId, type DeliveryPublisher } from './webhooks/delivery-publisher';
export { readGitHubEvent } from './events/github-events';
export { readGitLabEvent } from './events/gitlab-events';
export { parseCommand, HELP_TEXT } from './events/commands';
export type { IngressEvent, ChangedFile } from './events/types';
export type { PlatformClient, PlatformClients, PullRequestInfo } from './platform/platform-client';
export { GitHubPlatformClient } from './platform/github-client';
export { GitLabPlatformClient } from './platform/gitlab-client';
export { WorkflowProjectMatcher, type TriggerMatcher, type TriggerDecision } from './trigger/trigger-matcher';
export { runIdFor, RunRequester } from './runs/run-requester';
export { Reconciler, type ReconcileReport } from './reconciler/reconciler';
export { mayAct, ApiTokenStore, type ApiRole } from './api/api-tokens';
