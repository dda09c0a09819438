/**
 * The project's own redaction corpus: files in the shapes mobile teams commit (Swift, Objective-C,
 * Kotlin, Java, Info.plist, GoogleService-Info.plist, AndroidManifest.xml, gradle.properties,
 * google-services.json, .xcconfig, .env), each holding one secret or one look-alike that must
 * survive. Written here and generated from seeds: secrets come from `syntheticSecret`, so nothing
 * real is committed and the corpus is the same on every run.
 */
import { createHash } from 'node:crypto';
import { syntheticSecret, type SyntheticSecretKind } from '@agentflow/mobile';

/**
 * `secret`: must be redacted and reported. `clean`: must be neither. `stand-in`: a placeholder in
 * a token's exact shape, or a translation under a password key: must not be reported, and
 * redaction may take it (see ADR 0035).
 */
export type Expectation = 'secret' | 'clean' | 'stand-in';

export interface CorpusCase {
  id: string;
  /** What the case holds: a secret kind or, for look-alikes, what it imitates. */
  kind: string;
  format: string;
  path: string;
  text: string;
  expect: Expectation;
  /** The exact secret (secret cases): every character of it must be gone after redaction. */
  secret?: string;
}

interface Format {
  name: string;
  path: string;
  /** A file holding `value` under `name` (SCREAMING_SNAKE; each format spells it its own way). */
  file(name: string, value: string): string;
}

const camel = (name: string) => name.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const pascal = (name: string) => camel(name).replace(/^./, (c) => c.toUpperCase());
const plist = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n${body}\n</dict>\n</plist>\n`;

export const FORMATS: Format[] = [
  {
    name: 'swift',
    path: 'App/Sources/Services/APIConfig.swift',
    file: (n, v) =>
      `import Foundation\n\nenum APIConfig {\n    static let baseURL = URL(string: "https://api.acme.io")!\n    static let ${camel(n)} = "${v}"\n}\n`,
  },
  {
    name: 'objective-c',
    path: 'App/Sources/ACMEConfig.m',
    file: (n, v) =>
      `#import "ACMEConfig.h"\n\nNSString *const ACME${pascal(n)} = @"${v}";\n\n@implementation ACMEConfig\n@end\n`,
  },
  {
    name: 'kotlin',
    path: 'app/src/main/java/com/acme/shop/ApiConfig.kt',
    file: (n, v) =>
      `package com.acme.shop\n\nobject ApiConfig {\n    const val BASE_URL = "https://api.acme.io"\n    const val ${n} = "${v}"\n}\n`,
  },
  {
    name: 'java',
    path: 'app/src/main/java/com/acme/shop/ApiConfig.java',
    file: (n, v) =>
      `package com.acme.shop;\n\npublic final class ApiConfig {\n    public static final String ${n} = "${v}";\n}\n`,
  },
  {
    name: 'info-plist',
    path: 'App/Info.plist',
    file: (n, v) =>
      plist(
        `\t<key>CFBundleName</key>\n\t<string>Shop</string>\n\t<key>${pascal(n)}</key>\n\t<string>${v}</string>`,
      ),
  },
  {
    name: 'googleservice-info-plist',
    path: 'App/GoogleService-Info.plist',
    file: (n, v) =>
      plist(
        `\t<key>PROJECT_ID</key>\n\t<string>acme-shop</string>\n\t<key>${n}</key>\n\t<string>${v}</string>`,
      ),
  },
  {
    name: 'android-manifest',
    path: 'app/src/main/AndroidManifest.xml',
    file: (n, v) =>
      `<manifest xmlns:android="http://schemas.android.com/apk/res/android">\n    <application android:label="Shop">\n        <meta-data android:name="com.acme.${n}" android:value="${v}"/>\n    </application>\n</manifest>\n`,
  },
  {
    name: 'gradle-properties',
    path: 'gradle.properties',
    file: (n, v) => `org.gradle.jvmargs=-Xmx2048m\nandroid.useAndroidX=true\n${camel(n)}=${v}\n`,
  },
  {
    name: 'google-services-json',
    path: 'app/google-services.json',
    file: (n, v) =>
      `{\n  "project_info": { "project_id": "acme-shop" },\n  "client": [{ "${n.toLowerCase()}": [{ "current_key": "${v}" }] }]\n}\n`,
  },
  {
    name: 'xcconfig',
    path: 'Config/Release.xcconfig',
    file: (n, v) => `PRODUCT_BUNDLE_IDENTIFIER = com.acme.shop\n${n} = ${v}\n`,
  },
  { name: 'dotenv', path: '.env', file: (n, v) => `API_URL=https://api.acme.io\n${n}=${v}\n` },
];

interface SecretKind {
  kind: string;
  name: string;
  value: (seed: number) => string;
  /** The part that must disappear (for URLs: the credentials, not the host). */
  secret?: (value: string) => string;
  /** Formats the value is not written in (a PEM block is not a one-line property). */
  skip?: string[];
}

const syn = (k: SyntheticSecretKind) => (seed: number) => syntheticSecret(k, seed);
const hex = (n: number, seed: number) =>
  createHash('sha256').update(`hex-${seed}`).digest('hex').repeat(2).slice(0, n);
const password = (seed: number) => syntheticSecret('github-token', seed).slice(4, 20) + '!9';
const userinfo = (url: string) => /:\/\/([^@]+)@/.exec(url)![1]!;

const SECRET_KINDS: SecretKind[] = [
  { kind: 'aws-access-key-id', name: 'AWS_ACCESS_KEY_ID', value: syn('aws-access-key-id') },
  { kind: 'aws-secret-access-key', name: 'AWS_SECRET_ACCESS_KEY', value: syn('aws-secret-access-key') },
  { kind: 'google-api-key', name: 'API_KEY', value: syn('google-api-key') },
  { kind: 'github-token', name: 'GITHUB_TOKEN', value: syn('github-token') },
  { kind: 'github-token', name: 'GH_PAT', value: syn('github-pat') },
  { kind: 'github-token', name: 'GH_INSTALLATION', value: syn('github-installation-jwt') },
  { kind: 'gitlab-token', name: 'GITLAB_TOKEN', value: syn('gitlab-token') },
  { kind: 'slack-token', name: 'SLACK_BOT_TOKEN', value: syn('slack-token') },
  { kind: 'slack-token', name: 'SLACK_APP_TOKEN', value: syn('slack-app-token') },
  { kind: 'slack-webhook', name: 'SLACK_WEBHOOK', value: syn('slack-webhook') },
  { kind: 'stripe-key', name: 'STRIPE_SECRET', value: syn('stripe-live-key') },
  { kind: 'openai-api-key', name: 'OPENAI_API_KEY', value: syn('openai-project-key') },
  { kind: 'anthropic-api-key', name: 'ANTHROPIC_API_KEY', value: syn('anthropic-key') },
  { kind: 'sendgrid-api-key', name: 'SENDGRID_KEY', value: syn('sendgrid-key') },
  { kind: 'twilio-credential', name: 'TWILIO_API_KEY', value: syn('twilio-api-key') },
  { kind: 'npm-token', name: 'NPM_TOKEN', value: syn('npm-token') },
  { kind: 'huggingface-token', name: 'HF_TOKEN', value: syn('huggingface-token') },
  { kind: 'shopify-token', name: 'SHOPIFY_TOKEN', value: syn('shopify-token') },
  { kind: 'docker-token', name: 'DOCKER_TOKEN', value: syn('docker-token') },
  { kind: 'jwt', name: 'SESSION_JWT', value: syn('jwt') },
  { kind: 'fcm-server-key', name: 'FCM_SERVER_KEY', value: syn('fcm-server-key') },
  { kind: 'saas-token', name: 'GRAFANA_TOKEN', value: syn('grafana-token') },
  {
    kind: 'database-connection-string',
    name: 'DATABASE_URL',
    value: (s) => `postgres://shop:${password(s)}@db.acme.io:5432/shop`,
    secret: userinfo,
  },
  {
    kind: 'url-credentials',
    name: 'MAVEN_REPO',
    value: (s) => `https://ci:${password(s)}@maven.acme.io/releases`,
    secret: userinfo,
  },
  // google-services.json holds only API keys under fixed names: no place for a named password.
  {
    kind: 'hardcoded-credential',
    name: 'KEYSTORE_PASSWORD',
    value: password,
    skip: ['google-services-json'],
  },
  {
    kind: 'hardcoded-credential',
    name: 'BACKEND_API_KEY',
    value: (s) => hex(32, s),
    skip: ['google-services-json'],
  },
  {
    kind: 'hardcoded-credential',
    name: 'CLIENT_SECRET',
    value: (s) => syntheticSecret('aws-secret-access-key', s).slice(0, 24).replace(/[/+]/g, 'x'),
    skip: ['google-services-json'],
  },
];

interface LookAlike {
  kind: string;
  name: string;
  value: (seed: number) => string;
  expect: Exclude<Expectation, 'secret'>;
}

const uuid = (seed: number) => {
  const h = hex(32, seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
};

const LOOK_ALIKES: LookAlike[] = [
  { kind: 'uuid', name: 'INSTALLATION_ID', value: uuid, expect: 'clean' },
  {
    kind: 'uuid under a credential name',
    name: 'API_KEY_ID',
    value: (s) => uuid(s).toLowerCase(),
    expect: 'clean',
  },
  { kind: 'git commit id', name: 'BUILD_REVISION', value: (s) => hex(40, s), expect: 'clean' },
  { kind: 'sha-256 checksum', name: 'MODEL_CHECKSUM', value: (s) => hex(64, s), expect: 'clean' },
  {
    kind: 'base64 digest',
    name: 'PINNED_CERT_SHA256',
    value: (s) => Buffer.from(hex(64, s), 'hex').toString('base64'),
    expect: 'clean',
  },
  { kind: 'env look-up', name: 'API_TOKEN', value: () => '${API_TOKEN}', expect: 'clean' },
  { kind: 'build setting look-up', name: 'CLIENT_SECRET', value: () => '$(CLIENT_SECRET)', expect: 'clean' },
  { kind: 'resource reference', name: 'MAPS_API_KEY', value: () => '@string/maps_api_key', expect: 'clean' },
  { kind: 'placeholder', name: 'API_KEY', value: () => 'YOUR_API_KEY_HERE', expect: 'clean' },
  { kind: 'placeholder', name: 'STRIPE_SECRET', value: () => '<insert-stripe-secret>', expect: 'clean' },
  {
    kind: 'identifier-shaped value',
    name: 'TOKEN_STORAGE_KEY',
    value: () => 'com.acme.shop.authToken',
    expect: 'clean',
  },
  { kind: 'identifier-shaped value', name: 'REFRESH_TOKEN', value: () => 'refresh_token', expect: 'clean' },
  {
    kind: 'constant naming a key',
    name: 'SIGNING_PRIVATE_KEY',
    value: () => 'signingPrivateKey',
    expect: 'clean',
  },
  { kind: 'mock value', name: 'TEST_PASSWORD', value: (s) => `fakePassword-${s}`, expect: 'stand-in' },
  {
    kind: 'publishable Stripe key',
    name: 'STRIPE_PUBLISHABLE',
    value: (s) => `pk_live_${syntheticSecret('stripe-live-key', s).slice(8)}`,
    expect: 'clean',
  },
  {
    kind: 'Firebase app id',
    name: 'GOOGLE_APP_ID',
    value: (s) => `1:${hex(12, s).replace(/[a-f]/g, '7')}:ios:${hex(16, s)}`,
    expect: 'clean',
  },
  {
    kind: 'Firebase sender id',
    name: 'GCM_SENDER_ID',
    value: (s) => hex(12, s).replace(/[a-f]/g, '3'),
    expect: 'clean',
  },
  {
    kind: 'OAuth client id',
    name: 'CLIENT_ID',
    value: (s) =>
      `${hex(12, s).replace(/[a-f]/g, '4')}-${hex(32, s + 1).replace(/[0-9]/g, 'k')}.apps.googleusercontent.com`,
    expect: 'clean',
  },
  {
    kind: 'URL without credentials',
    name: 'API_BASE_URL',
    value: (s) => `https://api-${s}.acme.io/v2/`,
    expect: 'clean',
  },
  {
    kind: 'URL with user only',
    name: 'GIT_REMOTE',
    value: (s) => `https://ci@git.acme.io/shop-${s}.git`,
    expect: 'clean',
  },
  {
    kind: 'templated URL credentials',
    name: 'DATABASE_URL',
    value: () => 'postgres://${DB_USER}:${DB_PASSWORD}@db.acme.io/shop',
    expect: 'clean',
  },
  {
    kind: 'version string',
    name: 'SDK_VERSION',
    value: (s) => `${s}.${s % 7}.${s % 3}-beta`,
    expect: 'clean',
  },
  { kind: 'team id', name: 'DEVELOPMENT_TEAM', value: (s) => hex(10, s).toUpperCase(), expect: 'clean' },
  {
    kind: 'AWS example key id',
    name: 'AWS_ACCESS_KEY_ID',
    value: () => 'AKIAIOSFODNN7EXAMPLE',
    expect: 'stand-in',
  },
  {
    kind: 'GitHub placeholder token',
    name: 'GITHUB_TOKEN',
    value: () => 'ghp_' + 'x'.repeat(36),
    expect: 'stand-in',
  },
  {
    kind: 'low-entropy word under a token name',
    name: 'AUTH_TOKEN',
    value: () => 'authorization',
    expect: 'clean',
  },
  { kind: 'translation of "password"', name: 'PASSWORD', value: () => 'Kennwort', expect: 'stand-in' },
];

/** Look-alikes that live in their own file types: translation tables and code that reads secrets. */
const FILE_LOOK_ALIKES: Array<Omit<CorpusCase, 'id'>> = [
  {
    kind: 'translation table',
    format: 'strings',
    path: 'App/de.lproj/Localizable.strings',
    text: '"login.password" = "Passwort";\n"password" = "Kennwort";\n"token_expired" = "Sitzung abgelaufen";\n',
    expect: 'stand-in',
  },
  {
    kind: 'translation table',
    format: 'android-strings',
    path: 'app/src/main/res/values-fr/strings.xml',
    text: '<resources>\n    <string name="password">Motdepasse</string>\n    <string name="api_key_label">Cle</string>\n</resources>\n',
    expect: 'stand-in',
  },
  {
    kind: 'translation table',
    format: 'json-strings',
    path: 'shared/locales/es.json',
    text: '{\n  "password": "Contrasena",\n  "secret": "Secreto"\n}\n',
    expect: 'stand-in',
  },
  {
    kind: 'keychain read',
    format: 'swift',
    path: 'App/Sources/Session.swift',
    text: 'let password = try keychain.string(forKey: "password")\nlet token = session.token ?? ""\n',
    expect: 'clean',
  },
  {
    kind: 'BuildConfig read',
    format: 'kotlin',
    path: 'app/src/main/java/com/acme/shop/Api.kt',
    text: 'val apiKey = BuildConfig.API_KEY\nval token = prefs.getString("token", null)\n',
    expect: 'clean',
  },
  {
    kind: 'interpolated bearer header',
    format: 'swift',
    path: 'App/Sources/Client.swift',
    text: 'request.setValue("Bearer \\(token)", forHTTPHeaderField: "Authorization")\n',
    expect: 'clean',
  },
  {
    kind: 'SSH remote',
    format: 'dotenv',
    path: '.env',
    text: 'REPO=git@github.com:acme/shop-ios.git\n',
    expect: 'clean',
  },
  {
    kind: 'Package.resolved pins',
    format: 'json',
    path: 'App.xcworkspace/xcshareddata/swiftpm/Package.resolved',
    text: `{\n  "pins" : [{ "identity" : "alamofire", "state" : { "revision" : "${hex(40, 9)}", "version" : "5.9.1" } }]\n}\n`,
    expect: 'clean',
  },
  {
    kind: 'Podfile.lock checksums',
    format: 'podfile-lock',
    path: 'Podfile.lock',
    text: `SPEC CHECKSUMS:\n  Alamofire: ${hex(40, 10)}\n  Firebase: ${hex(40, 11)}\n\nPODFILE CHECKSUM: ${hex(40, 12)}\n`,
    expect: 'clean',
  },
];

/** Every case: each secret kind in every format that can hold it, two seeds each, then the look-alikes. */
export function buildCorpus(seeds = [1, 2]): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const seed of seeds) {
    for (const k of SECRET_KINDS) {
      for (const f of FORMATS) {
        if (k.skip?.includes(f.name)) continue;
        const value = k.value(seed * 1000 + cases.length);
        cases.push({
          id: `${k.kind}/${k.name}/${f.name}/${seed}`,
          kind: k.kind,
          format: f.name,
          path: f.path,
          text: f.file(k.name, value),
          expect: 'secret',
          secret: k.secret?.(value) ?? value,
        });
      }
    }
    for (const l of LOOK_ALIKES) {
      for (const f of FORMATS) {
        const value = l.value(seed * 1000 + cases.length);
        cases.push({
          id: `${l.kind}/${l.name}/${f.name}/${seed}`,
          kind: l.kind,
          format: f.name,
          path: f.path,
          text: f.file(l.name, value),
          expect: l.expect,
        });
      }
    }
  }
  // A PEM key only lives in code (a multi-line literal) or its own file.
  for (const seed of seeds) {
    const pem = syntheticSecret('private-key-pem', seed);
    cases.push({
      id: `private-key/swift/${seed}`,
      kind: 'private-key',
      format: 'swift',
      path: 'App/Sources/Signing.swift',
      text: `let key = """\n${pem}\n"""\n`,
      expect: 'secret',
      secret: pem,
    });
    cases.push({
      id: `private-key/kotlin/${seed}`,
      kind: 'private-key',
      format: 'kotlin',
      path: 'app/src/main/java/com/acme/Signing.kt',
      text: `val key = """\n${pem}\n"""\n`,
      expect: 'secret',
      secret: pem,
    });
    cases.push({
      id: `private-key/java/${seed}`,
      kind: 'private-key',
      format: 'java',
      path: 'app/src/main/java/com/acme/Signing.java',
      text: `String key = "${pem.replace(/\n/g, '\\n')}";\n`,
      expect: 'secret',
      secret: pem.replace(/\n/g, '\\n'),
    });
    cases.push({
      id: `private-key/p8/${seed}`,
      kind: 'private-key',
      format: 'p8',
      path: `fastlane/AuthKey_${seed}.p8`,
      text: `${pem}\n`,
      expect: 'secret',
      secret: pem,
    });
  }
  FILE_LOOK_ALIKES.forEach((c, i) => cases.push({ id: `${c.kind}/${c.format}/${i}`, ...c }));
  return cases;
}
