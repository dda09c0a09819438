/**
 * Each detector's own fixtures: text in the shape of the files mobile teams commit, written here
 * (never copied), with secrets built by `syntheticSecret` so nothing real-looking is committed.
 * `found` cases must be reported by that rule with exactly `secret` as the value; `clean` cases must
 * not be reported by it (and, unless `redacted` says so, must not be redacted either).
 */
import { syntheticSecret as s } from './synthetic';

export interface DetectorFixture {
  name: string;
  path: string;
  text: string;
  /** The value the rule must report (found cases). */
  secret?: string;
  /** A clean case that redaction may still take out (a stand-in in a token's exact shape). */
  redacted?: boolean;
}

export interface RuleFixtures {
  found: DetectorFixture[];
  clean: DetectorFixture[];
}

const swift = (line: string) => `import Foundation\n\nenum Config {\n    ${line}\n}\n`;
const kotlin = (line: string) => `package com.acme.shop\n\nobject Config {\n    ${line}\n}\n`;
const SW = 'App/Sources/Config.swift';
const KT = 'app/src/main/java/com/acme/shop/Config.kt';

const jwt = s('jwt', 3);
const ghs = s('github-installation-jwt', 4);
const pem = s('private-key-pem', 5);
const password = s('password', 6);
const awsSecret = s('aws-secret-access-key', 7);
// The first bytes of a DER PKCS#12 file (SEQUENCE, version 3), then filler.
const P12 = '0\u0082\u0005\u0010\u0002\u0001\u00030\u0082\u0004binary-bundle-bytes';
const bearer = s('github-token', 35).slice(4);

export const DETECTOR_FIXTURES: Record<string, RuleFixtures> = {
  'secret.key-container-file': {
    found: [{ name: 'a PKCS#12 push certificate', path: 'certs/push.p12', text: P12, secret: P12 }],
    clean: [
      { name: 'a public certificate', path: 'certs/push.cer', text: '0\u0082\u0003binary' },
      {
        name: 'a Git LFS pointer named .p12',
        path: 'certs/push.p12',
        text: 'version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 2048\n',
      },
    ],
  },
  'secret.gcp-service-account-key': {
    found: [
      {
        name: 'service-account JSON',
        path: 'ci/sa.json',
        text: `{"type": "service_account", "private_key": "${pem.replace(/\n/g, '\\n')}"}`,
        secret: pem.replace(/\n/g, '\\n'),
      },
    ],
    clean: [
      {
        name: 'empty private_key',
        path: 'ci/sa.json',
        text: '{"type": "service_account", "private_key": ""}',
      },
    ],
  },
  'secret.private-key': {
    found: [
      {
        name: 'PEM in a Swift string',
        path: SW,
        text: swift(`static let key = """\n${pem}\n"""`),
        secret: pem,
      },
    ],
    clean: [
      {
        name: 'public key',
        path: 'certs/pub.pem',
        text: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----\n',
      },
    ],
  },
  'secret.apple-app-specific-password': {
    found: [
      {
        name: 'fastlane .env',
        path: 'fastlane/.env',
        text: `FASTLANE_APPLE_APPLICATION_SPECIFIC_PASSWORD=${s('apple-app-specific-password', 8)}\n`,
        secret: s('apple-app-specific-password', 8),
      },
    ],
    clean: [
      {
        name: 'a slug that is not a password',
        path: SW,
        text: swift('static let route = "shop-cart-item-view"'),
      },
    ],
  },
  'secret.github-token': {
    found: [
      {
        name: 'classic token in a script',
        path: 'scripts/release.sh',
        text: `export GH_TOKEN=${s('github-token', 9)}\n`,
        secret: s('github-token', 9),
      },
      {
        name: 'fine-grained token',
        path: SW,
        text: swift(`static let gh = "${s('github-pat', 10)}"`),
        secret: s('github-pat', 10),
      },
      {
        name: 'installation token in the JWT-like form',
        path: '.github/notes.md',
        text: `token ${ghs} expires soon`,
        secret: ghs,
      },
    ],
    clean: [
      {
        name: 'token placeholder',
        path: SW,
        text: swift('static let gh = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'),
        redacted: true,
      },
    ],
  },
  'secret.gitlab-token': {
    found: [
      {
        name: 'personal access token in gradle.properties',
        path: 'gradle.properties',
        text: `gitlabToken=${s('gitlab-token', 11)}\n`,
        secret: s('gitlab-token', 11),
      },
    ],
    clean: [{ name: 'too short to be a token', path: 'gradle.properties', text: 'note=glpat-abc\n' }],
  },
  'secret.openai-api-key': {
    found: [
      {
        name: 'project key in Swift',
        path: SW,
        text: swift(`static let openAI = "${s('openai-project-key', 12)}"`),
        secret: s('openai-project-key', 12),
      },
      {
        name: 'legacy key in Kotlin',
        path: KT,
        text: kotlin(`const val OPENAI = "${s('openai-legacy-key', 13)}"`),
        secret: s('openai-legacy-key', 13),
      },
    ],
    clean: [
      {
        name: 'an sk- word without the key marker',
        path: KT,
        text: kotlin('const val SKU = "sk-learn-pipeline-version-2"'),
      },
    ],
  },
  'secret.anthropic-api-key': {
    found: [
      {
        name: 'key in .env',
        path: '.env',
        text: `ANTHROPIC_API_KEY=${s('anthropic-key', 14)}\n`,
        secret: s('anthropic-key', 14),
      },
    ],
    clean: [
      {
        name: 'truncated key in docs',
        path: 'README.md',
        text: 'keys look like sk-ant-api03-... (see the console)\n',
      },
    ],
  },
  'secret.google-api-key': {
    found: [
      {
        name: 'Maps key in Kotlin',
        path: KT,
        text: kotlin(`const val MAPS = "${s('google-api-key', 15)}"`),
        secret: s('google-api-key', 15),
      },
    ],
    clean: [
      {
        name: 'placeholder key',
        path: KT,
        text: kotlin('const val MAPS = "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"'),
        redacted: true,
      },
    ],
  },
  'secret.firebase-cloud-messaging-key': {
    found: [
      {
        name: 'legacy FCM server key',
        path: KT,
        text: kotlin(`const val FCM = "${s('fcm-server-key', 16)}"`),
        secret: s('fcm-server-key', 16),
      },
    ],
    clean: [
      {
        name: 'a sender id',
        path: 'app/google-services.json',
        text: '{"project_info": {"project_number": "123456789012"}}',
      },
    ],
  },
  'secret.slack-token': {
    found: [
      {
        name: 'bot token',
        path: SW,
        text: swift(`static let slack = "${s('slack-token', 17)}"`),
        secret: s('slack-token', 17),
      },
      {
        name: 'user token',
        path: '.env',
        text: `SLACK_USER=${s('slack-user-token', 18)}\n`,
        secret: s('slack-user-token', 18),
      },
      {
        name: 'app-level token',
        path: 'ci/notify.yml',
        text: `app_token: ${s('slack-app-token', 19)}\n`,
        secret: s('slack-app-token', 19),
      },
    ],
    clean: [{ name: 'placeholder', path: SW, text: swift('static let slack = "xoxb-your-token"') }],
  },
  'secret.slack-webhook': {
    found: [
      {
        name: 'webhook in a Fastfile',
        path: 'fastlane/Fastfile',
        text: `slack(slack_url: "${s('slack-webhook', 20)}")\n`,
        secret: s('slack-webhook', 20),
      },
    ],
    clean: [
      {
        name: 'documentation webhook',
        path: 'fastlane/Fastfile',
        text: 'slack(slack_url: "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")\n',
        redacted: true,
      },
    ],
  },
  'secret.stripe-key': {
    found: [
      {
        name: 'live secret key',
        path: KT,
        text: kotlin(`const val STRIPE = "${s('stripe-live-key', 21)}"`),
        secret: s('stripe-live-key', 21),
      },
    ],
    clean: [
      {
        name: 'publishable key',
        path: KT,
        text: kotlin(`const val STRIPE = "pk_live_${s('stripe-live-key', 21).slice(8)}"`),
      },
    ],
  },
  'secret.sendgrid-api-key': {
    found: [
      {
        name: 'key in Java',
        path: 'app/src/main/java/com/acme/Mail.java',
        text: `String key = "${s('sendgrid-key', 22)}";\n`,
        secret: s('sendgrid-key', 22),
      },
    ],
    clean: [
      {
        name: 'an SG. word',
        path: 'README.md',
        text: 'See SG.Renderer and SG.Layout in the design system.\n',
      },
    ],
  },
  'secret.twilio-credential': {
    found: [
      {
        name: 'API key SID',
        path: KT,
        text: kotlin(`const val TWILIO_KEY = "${s('twilio-api-key', 23)}"`),
        secret: s('twilio-api-key', 23),
      },
    ],
    clean: [
      {
        name: 'StoreKit type',
        path: SW,
        text: swift('let request = SKProductsRequest(productIdentifiers: ids)'),
      },
    ],
  },
  'secret.npm-token': {
    found: [
      {
        name: 'token in .npmrc',
        path: '.npmrc',
        text: `//registry.npmjs.org/:_authToken=${s('npm-token', 24)}\n`,
        secret: s('npm-token', 24),
      },
      {
        name: 'private registry token in .npmrc',
        path: '.npmrc',
        text: `//npm.acme.io/:_authToken=${bearer}\n`,
        secret: bearer,
      },
    ],
    clean: [
      {
        name: 'token from the environment',
        path: '.npmrc',
        text: '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n',
      },
    ],
  },
  'secret.huggingface-token': {
    found: [
      {
        name: 'token in Python tooling',
        path: 'tools/convert.py',
        text: `token = "${s('huggingface-token', 25)}"\n`,
        secret: s('huggingface-token', 25),
      },
    ],
    clean: [{ name: 'a model id', path: 'tools/convert.py', text: 'model = "hf_internal_testing"\n' }],
  },
  'secret.shopify-token': {
    found: [
      {
        name: 'admin token',
        path: SW,
        text: swift(`static let shop = "${s('shopify-token', 26)}"`),
        secret: s('shopify-token', 26),
      },
    ],
    clean: [
      { name: 'not a Shopify prefix', path: SW, text: swift('static let shop = "shpssSSSSS_SSSS_sssss"') },
    ],
  },
  'secret.docker-token': {
    found: [
      {
        name: 'token in CI',
        path: 'ci/build.env',
        text: `DOCKER_PASSWORD=${s('docker-token', 27)}\n`,
        secret: s('docker-token', 27),
      },
    ],
    clean: [{ name: 'prefix only', path: 'ci/build.env', text: 'DOCKER_NOTE=dckr_pat_\n' }],
  },
  'secret.saas-token': {
    found: [
      {
        name: 'Grafana service account token',
        path: '.env',
        text: `GRAFANA=${s('grafana-token', 28)}\n`,
        secret: s('grafana-token', 28),
      },
      {
        name: 'Linear key',
        path: 'scripts/triage.sh',
        text: `curl -H "X-Key: ${s('linear-key', 29)}"\n`,
        secret: s('linear-key', 29),
      },
      {
        name: 'Tailscale auth key',
        path: 'ci/vpn.yml',
        text: `authkey: ${s('tailscale-key', 30)}\n`,
        secret: s('tailscale-key', 30),
      },
      {
        name: 'Tailscale key glued to a name',
        path: 'ci/vpn.env',
        text: `MY_${s('tailscale-key', 31)}\n`,
        secret: s('tailscale-key', 31),
      },
    ],
    clean: [
      { name: 'a short tskey mention', path: 'README.md', text: 'A string like tskey-foo is not a key.\n' },
    ],
  },
  'secret.jwt': {
    found: [
      {
        name: 'JWT in a Swift test helper',
        path: SW,
        text: swift(`static let session = "${jwt}"`),
        secret: jwt,
      },
    ],
    clean: [
      {
        name: 'eyJ-prefixed base64 that is not a token header',
        path: SW,
        text: swift(`static let blob = "eyJub3RhIjoidG9rZW4ifQ.eyJub3RhIjoidG9rZW4ifQ.x"`),
      },
    ],
  },
  'secret.database-connection-string': {
    found: [
      {
        name: 'postgres URL in .env',
        path: '.env',
        text: `DATABASE_URL=postgres://shop:${password}@db.internal:5432/shop\n`,
        secret: `shop:${password}`,
      },
      {
        name: 'ADO.NET string',
        path: 'backend/appsettings.json',
        text: `{"Db": "Server=db1;Database=shop;User Id=app;Password=${password};"}`,
        secret: password,
      },
    ],
    clean: [
      {
        name: 'template password',
        path: '.env',
        text: 'DATABASE_URL=postgres://shop:${DB_PASSWORD}@db.internal:5432/shop\n',
      },
    ],
  },
  'secret.url-credentials': {
    found: [
      {
        name: 'basic auth in a Gradle repository URL',
        path: 'build.gradle',
        text: `maven { url "https://ci:${password}@maven.acme.io/releases" }\n`,
        secret: `ci:${password}`,
      },
    ],
    clean: [
      {
        name: 'templated credentials',
        path: 'build.gradle',
        text: 'maven { url "https://${user}:${pass}@maven.acme.io/releases" }\n',
      },
      { name: 'an SSH remote', path: 'README.md', text: 'git clone git@github.com:acme/shop.git\n' },
    ],
  },
  'secret.authorization-header': {
    found: [
      {
        name: 'bearer token in URLRequest',
        path: SW,
        text: swift(`request.setValue("Bearer ${bearer}", forHTTPHeaderField: "Authorization")`),
        secret: bearer,
      },
      {
        name: 'header line in a curl script',
        path: 'scripts/smoke.sh',
        text: `curl -H "Authorization: token ${bearer.slice(0, 30)}" https://api.acme.io\n`,
        secret: bearer.slice(0, 30),
      },
    ],
    clean: [
      {
        name: 'prose about authorization',
        path: 'core/assets/news.json',
        text: '{"content": "the basics of OAuth like implementing your authorization, token exchangeFlowsAndScopes2024 and more"}',
      },
      {
        name: 'interpolated token',
        path: SW,
        text: swift('request.setValue("Bearer \\(session.token)", forHTTPHeaderField: "Authorization")'),
      },
    ],
  },
  'secret.aws-access-key-id': {
    found: [
      {
        name: 'key id in Swift',
        path: SW,
        text: swift(`static let key = "${s('aws-access-key-id', 32)}"`),
        secret: s('aws-access-key-id', 32),
      },
    ],
    clean: [
      {
        name: 'documented example key',
        path: SW,
        text: swift('static let key = "AKIAIOSFODNN7EXAMPLE"'),
        redacted: true,
      },
    ],
  },
  'secret.aws-secret-access-key': {
    found: [
      {
        name: 'credentials file',
        path: 'ci/aws.ini',
        text: `aws_secret_access_key = ${awsSecret}\n`,
        secret: awsSecret,
      },
      {
        name: 'unnamed next to its key id',
        path: 'ci/deploy.md',
        text: `keys: ${s('aws-access-key-id', 33)} / ${awsSecret}\n`,
        secret: awsSecret,
      },
    ],
    clean: [
      {
        name: 'a git commit id',
        path: 'Package.resolved',
        text: '"revision" : "0123456789abcdef0123456789abcdef01234567"\n',
      },
      {
        name: 'documented example secret',
        path: 'ci/aws.ini',
        text: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
        redacted: true,
      },
    ],
  },
  'secret.aws-account-id': {
    found: [
      {
        name: 'account id in a deploy config',
        path: 'ci/deploy.yml',
        text: 'aws_account_id: 491827364510\n',
        secret: '491827364510',
      },
    ],
    clean: [
      {
        name: 'an account id of another service',
        path: 'ci/deploy.yml',
        text: 'crashlytics:\n  account_id: 491827364510\n',
        redacted: true,
      },
    ],
  },
  'secret.hardcoded-credential': {
    found: [
      {
        name: 'password literal',
        path: SW,
        text: swift(`static let password = "${password}"`),
        secret: password,
      },
      {
        name: 'API key in Info.plist',
        path: 'App/Info.plist',
        text: `<key>BackendApiKey</key>\n<string>${password}</string>`,
        secret: password,
      },
      {
        name: 'Android resource key',
        path: 'app/src/main/res/values/keys.xml',
        text: `<string name="backend_api_key">${password}</string>`,
        secret: password,
      },
      {
        name: 'manifest meta-data',
        path: 'app/src/main/AndroidManifest.xml',
        text: `<meta-data android:name="com.acme.API_KEY" android:value="${password}"/>`,
        secret: password,
      },
      {
        name: 'unquoted export in a prompt-like shell line',
        path: 'scripts/ci.sh',
        text: `export API_TOKEN=${bearer}\n`,
        secret: bearer,
      },
      {
        name: 'random password in a test file',
        path: 'App/Tests/LoginTests.swift',
        text: `let password = "${s('aws-secret-access-key', 34).slice(0, 18)}#1"`,
        secret: `${s('aws-secret-access-key', 34).slice(0, 18)}#1`,
      },
    ],
    clean: [
      {
        name: 'translation in Localizable.strings',
        path: 'App/de.lproj/Localizable.strings',
        text: '"password" = "Kennwort";\n"login.password" = "Passwort";\n',
        redacted: true,
      },
      {
        name: 'translation in strings.xml',
        path: 'app/src/main/res/values-fr/strings.xml',
        text: '<string name="password">Motdepasse</string>\n',
        redacted: true,
      },
      {
        name: 'JSON string table',
        path: 'web/locales/es.json',
        text: '{"password": "Contrasena1"}\n',
        redacted: true,
      },
      { name: 'enum raw value', path: SW, text: swift('case token = "token_key"') },
      {
        name: 'constant naming a key',
        path: KT,
        text: kotlin('const val SIGNING_PRIVATE_KEY = "signingPrivateKey"'),
      },
      {
        name: 'manifest meta-data from a resource',
        path: 'app/src/main/AndroidManifest.xml',
        text: '<meta-data android:name="com.google.android.geo.API_KEY" android:value="@string/maps_api_key"/>',
      },
      {
        name: 'translation in a localised Android resource file',
        path: 'libraries/ui-strings/src/main/res/values-de/translations.xml',
        text: '<string name="common_password">"Passwort"</string>\n',
        redacted: true,
      },
      {
        name: 'quoted translation in the base resource file',
        path: 'libraries/ui-strings/src/main/res/values/localazy.xml',
        text: '<string name="common_password">"Password"</string>\n',
      },
      {
        name: 'a route named like a token',
        path: SW,
        text: 'switch self {\n    case .token:\n      "oauth/token"\n    }\n',
      },
      {
        name: 'a preview value that spells its own name',
        path: 'App/Sources/GeneratorView.swift',
        text: 'let model = ViewModel(generatedPassword: "GeNeRaTeD-pAsSwOrD")\n',
        redacted: true,
      },
      {
        name: 'unquoted value that is code',
        path: 'scripts/ci.sh',
        text: 'API_TOKEN=$(vault read -field=token secret/ci)\nexport SECRET=config.secret\n',
      },
      {
        name: 'mock value in a preview',
        path: 'App/Sources/LoginView.swift',
        text: '#Preview { LoginView(secret: "fakeSecret-7") }\n',
        redacted: true,
      },
      {
        name: 'mock value in a test',
        path: 'App/Tests/SessionTests.swift',
        text: 'let token = "Tok3n-for-unit"\n',
        redacted: true,
      },
    ],
  },
};
