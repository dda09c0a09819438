import { findEmails, findSecrets } from './find-secrets';
import { syntheticSecret } from './synthetic';

const aws = syntheticSecret('aws-access-key-id', 7);
const awsSecret = syntheticSecret('aws-secret-access-key', 8);
const google = syntheticSecret('google-api-key', 9);
const ghp = syntheticSecret('github-token', 10);
const pat = syntheticSecret('github-pat', 11);
const slack = syntheticSecret('slack-token', 12);
const webhook = syntheticSecret('slack-webhook', 13);
const stripeLive = syntheticSecret('stripe-live-key', 14);
const stripeTest = syntheticSecret('stripe-test-key', 15);
const pem = syntheticSecret('private-key-pem', 16);
const password = syntheticSecret('password', 17);

interface Case {
  name: string;
  text: string;
  path?: string;
  /** The exact secret value expected, or undefined when nothing may fire. */
  secret?: string;
  ruleId?: string;
  kind?: string;
}

const FIRES: Case[] = [
  {
    name: 'AWS access key id in Swift',
    text: `let key = "${aws}"`,
    secret: aws,
    ruleId: 'secret.aws-access-key-id',
  },
  {
    name: 'AWS secret key in credentials file',
    text: `aws_secret_access_key = ${awsSecret}\n`,
    secret: awsSecret,
    ruleId: 'secret.aws-secret-access-key',
  },
  {
    name: 'AWS secret key in JSON',
    text: `{"SecretAccessKey": "${awsSecret}"}`,
    secret: awsSecret,
    ruleId: 'secret.aws-secret-access-key',
  },
  {
    name: 'GCP service account JSON',
    text: `{"type": "service_account", "private_key": "${pem.replace(/\n/g, '\\n')}\\n", "client_email": "x"}`,
    secret: pem.replace(/\n/g, '\\n') + '\\n',
    ruleId: 'secret.gcp-service-account-key',
  },
  {
    name: 'Google API key in Kotlin',
    text: `const val MAPS = "${google}"`,
    secret: google,
    ruleId: 'secret.google-api-key',
  },
  { name: 'GitHub classic token', text: `token: ${ghp}`, secret: ghp, ruleId: 'secret.github-token' },
  { name: 'GitHub fine-grained token', text: `export GH=${pat}`, secret: pat, ruleId: 'secret.github-token' },
  { name: 'Slack bot token', text: `SLACK("${slack}")`, secret: slack, ruleId: 'secret.slack-token' },
  { name: 'Slack webhook', text: `url = "${webhook}"`, secret: webhook, ruleId: 'secret.slack-webhook' },
  {
    name: 'Stripe live key',
    text: `Stripe.apiKey = "${stripeLive}"`,
    secret: stripeLive,
    ruleId: 'secret.stripe-key',
  },
  { name: 'PEM private key', text: `// key\n${pem}\n`, secret: pem, ruleId: 'secret.private-key' },
  {
    name: 'password in Swift',
    text: `let password = "${password}"`,
    secret: password,
    ruleId: 'secret.hardcoded-credential',
    kind: 'password',
  },
  {
    name: 'typed Kotlin api key',
    text: `private val apiKey: String = "${password}"`,
    secret: password,
    ruleId: 'secret.hardcoded-credential',
    kind: 'api-key',
  },
  {
    name: 'Objective-C token',
    text: `NSString *authToken = @"${password}";`,
    secret: password,
    ruleId: 'secret.hardcoded-credential',
    kind: 'token',
  },
  {
    name: 'Info.plist secret',
    text: `<key>ClientSecret</key>\n\t<string>${password}</string>`,
    secret: password,
    ruleId: 'secret.hardcoded-credential',
    kind: 'client-secret',
  },
  {
    name: 'Android resource key',
    text: `<string name="backend_api_key">${password}</string>`,
    secret: password,
    ruleId: 'secret.hardcoded-credential',
  },
  {
    name: 'gradle.properties password',
    text: `storePassword=${password}\n`,
    path: 'gradle.properties',
    secret: password,
    ruleId: 'secret.hardcoded-credential',
  },
  {
    name: 'xcconfig api key',
    text: `API_KEY = ${password}\n`,
    path: 'Config/Release.xcconfig',
    secret: password,
    ruleId: 'secret.hardcoded-credential',
  },
];

const LOOK_ALIKES: Case[] = [
  { name: 'AWS documented example key', text: 'let key = "AKIAIOSFODNN7EXAMPLE"' },
  { name: 'AWS example secret', text: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  { name: 'Google key placeholder', text: 'const val MAPS = "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"' },
  { name: 'GitHub token placeholder', text: 'token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },
  { name: 'Slack token placeholder', text: 'SLACK("xoxb-your-bot-token")' },
  {
    name: 'Slack documentation webhook',
    text: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
  },
  { name: 'Stripe publishable key', text: `pk_live_${stripeLive.slice(8)}` },
  {
    name: 'PEM placeholder',
    text: '-----BEGIN PRIVATE KEY-----\n...your key here...\n-----END PRIVATE KEY-----',
  },
  { name: 'YOUR_API_KEY placeholder', text: 'let apiKey = "YOUR_API_KEY"' },
  { name: 'env look-up', text: 'let password = ProcessInfo.processInfo.environment["DB_PASSWORD"]' },
  { name: 'template variable', text: 'password: "${DB_PASSWORD}"' },
  { name: 'name merely contains the word', text: 'let passwordHint = "Use 8+ characters"' },
  { name: 'UI label', text: 'let passwordLabel = "Password"' },
  { name: 'short value', text: 'let token = "abc"' },
  { name: 'dictionary word', text: 'let password = "changeme"' },
  { name: 'unquoted in source code', text: `password = ${password}`, path: 'App/Login.swift' },
  { name: 'unquoted without a path', text: `password = ${password}` },
  { name: 'keychain lookup key', text: 'static let tokenKey = "com.example.app.token"' },
];

describe('findSecrets', () => {
  it.each(FIRES)('fires: $name', ({ text, path, secret, ruleId, kind }) => {
    const matches = findSecrets(text, { path });
    expect(matches).toHaveLength(1);
    const [match] = matches;
    expect(text.slice(match!.start, match!.end)).toBe(secret);
    expect(match!.ruleId).toBe(ruleId);
    if (kind) expect(match!.kind).toBe(kind);
  });

  it.each(LOOK_ALIKES)('does not fire: $name', ({ text, path }) => {
    expect(findSecrets(text, { path })).toEqual([]);
  });

  it('reports 1-based lines and sorted, non-overlapping spans', () => {
    const text = `line one\nlet a = "${ghp}"\n\nlet b = "${aws}"\n`;
    const matches = findSecrets(text);
    expect(matches.map((m) => [m.ruleId, m.line])).toEqual([
      ['secret.github-token', 2],
      ['secret.aws-access-key-id', 4],
    ]);
  });

  it('lowers Stripe test keys and Firebase config keys to minor', () => {
    expect(findSecrets(`k = "${stripeTest}"`)[0]!.severity).toBe('minor');
    expect(
      findSecrets(`<string>${google}</string>`, { path: 'App/GoogleService-Info.plist' })[0]!.severity,
    ).toBe('minor');
    expect(findSecrets(`"${google}"`, { path: 'App/Api.swift' })[0]!.severity).toBe('major');
  });

  it('redacts an unterminated private key to the end of a truncated chunk', () => {
    const truncated = pem.slice(0, 200);
    const [match] = findSecrets(`x\n${truncated}`);
    expect(match).toMatchObject({ ruleId: 'secret.private-key', start: 2, end: truncated.length + 2 });
  });

  it('claims a span once: the named AWS secret is not also a generic credential', () => {
    expect(findSecrets(`aws_secret_access_key = "${awsSecret}"`).map((m) => m.ruleId)).toEqual([
      'secret.aws-secret-access-key',
    ]);
  });
});

describe('findEmails', () => {
  it.each([
    ['plain address', 'contact jane.doe@acme.io today', 'jane.doe@acme.io'],
    ['plus address', '<a href="mailto:dev+ios@company.co.uk">', 'dev+ios@company.co.uk'],
  ])('finds a %s', (_name, text, email) => {
    const [match] = findEmails(text);
    expect(text.slice(match!.start, match!.end)).toBe(email);
    expect(match!.ruleId).toBe('pii.email');
  });

  it.each([
    ['retina asset name', 'Image("icon@2x.png")'],
    ['SSH remote', 'git@github.com:acme/app.git'],
    ['documentation domain', 'user@example.com'],
    ['Swift attribute', '@available(iOS 15, *)'],
    ['decorator after word', 'value@MainActor'],
  ])('skips a %s', (_name, text) => {
    expect(findEmails(text)).toEqual([]);
  });
});
