import { findSecrets } from '../secrets/find-secrets';
import { makeFinding } from './catalogue';
import { isChangedLine, lineText, type FileRule } from './types';

const KIND_LABEL: Record<string, string> = {
  'aws-access-key-id': 'An AWS access key id',
  'aws-secret-access-key': 'An AWS secret access key',
  'gcp-service-account-key': 'A Google Cloud service-account private key',
  'private-key': 'A private key block',
  'google-api-key': 'A Google API key',
  'github-token': 'A GitHub token',
  'slack-token': 'A Slack token',
  'slack-webhook': 'A Slack webhook URL',
  'stripe-secret-key': 'A Stripe secret key',
  password: 'A hard-coded password',
  'api-key': 'A hard-coded API key',
  'client-secret': 'A hard-coded client secret',
  token: 'A hard-coded token',
  credential: 'A hard-coded credential',
};

/** Secrets in any text file except lock files and assets; messages never repeat the value. */
export const secretsRule: FileRule = {
  name: 'secrets',
  ruleIds: [
    'secret.aws-access-key-id',
    'secret.aws-secret-access-key',
    'secret.gcp-service-account-key',
    'secret.private-key',
    'secret.google-api-key',
    'secret.github-token',
    'secret.slack-token',
    'secret.slack-webhook',
    'secret.stripe-key',
    'secret.hardcoded-credential',
  ],
  appliesTo: (file) => file.content !== undefined && !['lockfile', 'asset', 'interface-builder'].includes(file.class.kind),
  check(file) {
    const text = file.content!;
    return findSecrets(text, { path: file.path })
      .filter((m) => isChangedLine(file, m.line))
      .map((m) => {
        const label = KIND_LABEL[m.kind] ?? 'A secret';
        // The fingerprint hashes the line, so rotating the value in place is a new finding.
        return makeFinding(m.ruleId, file.path, m.line, `${label} is committed in ${file.path}`, `${m.kind}:${lineText(text, m.line)}`, { severity: m.severity });
      });
  },
};
