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

/** Firebase config files, which must ship their API key in the app. */
const FIREBASE_CONFIG = /(^|\/)(GoogleService-Info[^/]*\.plist|google-services\.json)$/;

/**
 * A secret scanner's inline allow mark (gitleaks, detect-secrets, Sonar, Bandit) on the line, or a
 * comment just above or on it calling the key public: the authors have looked at this value and
 * say it is not a secret (labelled on NewPipe: a web client's public key, marked both ways).
 */
function markedPublic(lines: readonly string[], line: number): boolean {
  const here = lines[line - 1] ?? '';
  if (/gitleaks:allow|pragma:\s*allowlist secret|\bNOSONAR\b|#\s*nosec\b/.test(here)) return true;
  const comment = (text: string) => /(?:\/\/|#|\/\*|^\s*\*)(.*)$/.exec(text)?.[1] ?? '';
  const above = lines[line - 2] ?? '';
  const said = `${/^\s*(\/\/|#|\/\*|\*)/.test(above) ? comment(above) : ''} ${comment(here.replace(/"[^"]*"|'[^']*'/g, ''))}`;
  return /\bpublic\b[^.]*\b(api[ _-]?)?key\b|\bnot (a )?secret\b/i.test(said);
}

/** Secrets in any text file except lock files and assets; messages never repeat the value. */
export const secretsRule: FileRule = {
  name: 'secrets',
  ruleIds: SECRET_DETECTORS.map((d) => d.ruleId),
  appliesTo: (file) =>
    file.content !== undefined && !['lockfile', 'asset', 'interface-builder'].includes(file.class.kind),
  check(file) {
    const text = file.content!;
    let lines: string[] | undefined;
    return findSecrets(text, { path: file.path, purpose: 'report' })
      .filter((m) => isChangedLine(file, m.line))
      .map((m) => {
        const label = KIND_LABEL[m.kind] ?? 'A secret';
        // What the finding is about; never printed (it holds the secret).
        const evidence = `${m.kind}:${lineText(text, m.line)}`;
        // Firebase config ships its key by design (labelled noise on kotlinconf-app): a note to restrict it.
        if (m.kind === 'google-api-key' && FIREBASE_CONFIG.test(file.path)) {
          return makeFinding(
            m.ruleId,
            file.path,
            m.line,
            `The Firebase config ${file.path} carries its Google API key, which ships in every app build by design; check it is restricted`,
            evidence,
            { severity: 'info' },
          );
        }
        lines ??= text.split('\n');
        if (markedPublic(lines, m.line)) {
          return makeFinding(
            m.ruleId,
            file.path,
            m.line,
            `${label} in ${file.path} is marked as public or allowed by its authors (a comment or a scanner's allow mark); confirm it is not a credential of this app`,
            evidence,
            { severity: 'info' },
          );
        }
        return makeFinding(m.ruleId, file.path, m.line, `${label} is committed in ${file.path}`, evidence, {
          severity: m.severity,
        });
      });
  },
};
