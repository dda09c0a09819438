/**
 * @agentflow/mobile: what can be known about a mobile change without a model. Secrets, diffs,
 * project structure, coverage and SARIF reports, and the mobile security and release-risk rules.
 */
export { findSecrets, findEmails, type SecretMatch, type FindSecretsOptions } from './secrets/find-secrets';
