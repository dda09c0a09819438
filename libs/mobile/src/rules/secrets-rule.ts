import { SECRET_DETECTORS } from '../secrets/detectors';
import { findSecrets } from '../secrets/find-secrets';
import { makeFinding } from './catalogue';
import { isChangedLine, lineText, type FileRule } from './types';

// What each kind is called in a message. A `..._PRIVATE_KEY = "..."` assignment is a private key
// *value*, never "a private key block": that wording is for PEM blocks only.
const KIND_LABEL: Record<string, string> = {
  'aws-access-key-id': 'An AWS access key id',
  'aws-secret-access-key': 'An AWS secret access key',
  'aws-account-id': 'An AWS account id',
  'gcp-service-account-key': 'A Google Cloud service-account private key',
  'private-key': 'A private key block',
  'key-container': 'A PKCS#12 bundle or keystore',
  'apple-app-specific-password': 'An Apple app-specific password',
  'google-api-key': 'A Google API key',
  'fcm-server-key': 'A Firebase Cloud Messaging server key',
  'github-token': 'A GitHub token',
  'gitlab-token': 'A GitLab token',
  'openai-api-key': 'An OpenAI API key',
  'anthropic-api-key': 'An Anthropic API key',
  'slack-token': 'A Slack token',
  'slack-webhook': 'A Slack webhook URL',
  'stripe-secret-key': 'A Stripe secret key',
  'sendgrid-api-key': 'A SendGrid API key',
  'twilio-credential': 'A Twilio credential',
  'npm-token': 'An npm token',
  'huggingface-token': 'A Hugging Face token',
  'shopify-token': 'A Shopify token',
  'docker-token': 'A Docker Hub token',
  'saas-token': 'A developer-service token',
  jwt: 'A JSON Web Token',
  'database-connection-string': 'A database password in a connection string',
  'url-credentials': 'A password in a URL',
  'authorization-header': 'A credential in an Authorization header',
  password: 'A hard-coded password',
  'api-key': 'A hard-coded API key',
  'client-secret': 'A hard-coded client secret',
  'private-key-value': 'A hard-coded private key value',
  token: 'A hard-coded token',
  credential: 'A hard-coded credential',
};

/** Secrets in any text file except lock files and assets; messages never repeat the value. */
export const secretsRule: FileRule = {
  name: 'secrets',
  ruleIds: SECRET_DETECTORS.map((d) => d.ruleId),
  appliesTo: (file) => file.content !== undefined && !['lockfile', 'asset', 'interface-builder'].includes(file.class.kind),
  check(file) {
    const text = file.content!;
    return findSecrets(text, { path: file.path, purpose: 'report' })
      .filter((m) => isChangedLine(file, m.line))
      .map((m) => {
        const label = KIND_LABEL[m.kind] ?? 'A secret';
        // The fingerprint hashes the line, so rotating the value in place is a new finding.
        return makeFinding(m.ruleId, file.path, m.line, `${label} is committed in ${file.path}`, `${m.kind}:${lineText(text, m.line)}`, { severity: m.severity });
      });
  },
};
