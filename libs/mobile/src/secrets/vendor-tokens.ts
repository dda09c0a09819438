/**
 * Tokens whose vendor gives them a fixed prefix and shape. The prefix is what makes them cheap to
 * find and safe to redact; the tail check (see `tokenTail`) is what keeps placeholders out of reports.
 */
import type { Severity } from '@agentflow/contracts';
import {
  tokenTail,
  withIndices,
  type Candidate,
  type DetectorContext,
  type SecretDetector,
} from './detector';

interface TokenFormat {
  ruleId: string;
  kind: string;
  severity?: Severity;
  title: string;
  fix: string;
  /**
   * Literal gates for the shared hint pass. Most formats leave it empty: a regex that starts with
   * a literal prefix is itself the cheapest filter (about 0.3 ms per MB), cheaper than adding its
   * prefixes to the hint pass.
   */
  hints?: string[];
  /** Named groups: `value` (what is redacted) and `tail` (the random part that is judged). */
  pattern: RegExp;
  minEntropy?: number;
  /** A further check on the whole match, after the tail's. */
  accept?: (match: RegExpExecArray, context: DetectorContext) => boolean;
  /** Severity for a match that is real but matters less (Stripe test keys). */
  soften?: (match: RegExpExecArray, context: DetectorContext) => Severity | undefined;
}

const ROTATE =
  'Revoke the token with its issuer now, remove it from the file and its history, and inject it at build or run time from a secret store.';

/** The long tail: `hints` gate the pattern; every pattern's `value` is the whole token. */
const SAAS_FORMATS: Array<{ hints: string[]; pattern: RegExp }> = [
  {
    hints: ['glc_'],
    pattern: /(?<![A-Za-z0-9_])(?<value>glc_(?<tail>[A-Za-z0-9+/]{32,}={0,2}))(?![A-Za-z0-9_+/=])/g,
  },
  {
    hints: ['glsa_'],
    pattern: /(?<![A-Za-z0-9_])(?<value>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?![A-Za-z0-9_])/g,
  },
  { hints: ['lin_api_'], pattern: /(?<![A-Za-z0-9_])(?<value>lin_api_[A-Za-z0-9]{40,48})(?![A-Za-z0-9_])/g },
  { hints: ['figd_'], pattern: /(?<![A-Za-z0-9_])(?<value>figd_[A-Za-z0-9_-]{40,})(?![A-Za-z0-9_-])/g },
  // Tailscale keys are often glued into names (`MY_tskey-...`): only a preceding letter rules one out.
  {
    hints: ['tskey-'],
    pattern: /(?<![A-Za-z])(?<value>tskey-[a-z]+-[A-Za-z0-9]{8,}-[A-Za-z0-9]{16,})(?![A-Za-z0-9_])/g,
  },
  {
    hints: ['ops_eyJ'],
    pattern: /(?<![A-Za-z0-9_])(?<value>ops_eyJ[A-Za-z0-9+/=_-]{100,})(?![A-Za-z0-9_])/g,
  },
  {
    hints: ['cfat_', 'cfut_', 'cfk_'],
    pattern: /(?<![A-Za-z0-9_])(?<value>cf(?:at|ut|k)_[A-Za-z0-9]{40}[a-f0-9]{8})(?![A-Za-z0-9_])/g,
  },
  {
    hints: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
    pattern: /(?<![A-Za-z0-9_])(?<value>vc[piark]_[A-Za-z0-9]{40,60})(?![A-Za-z0-9_])/g,
  },
  { hints: ['gsk_'], pattern: /(?<![A-Za-z0-9_])(?<value>gsk_[A-Za-z0-9]{52})(?![A-Za-z0-9_])/g },
  { hints: ['dapi'], pattern: /(?<![A-Za-z0-9_])(?<value>dapi[a-fA-F0-9]{32}(?:-\d)?)(?![A-Za-z0-9_])/g },
  {
    hints: ['hvs.', 'hvb.'],
    pattern: /(?<![A-Za-z0-9_])(?<value>hv[sb]\.[A-Za-z0-9_-]{90,})(?![A-Za-z0-9_])/g,
  },
  { hints: ['ntn_'], pattern: /(?<![A-Za-z0-9_])(?<value>ntn_\d{11}[A-Za-z0-9]{35})(?![A-Za-z0-9_])/g },
];

const SAAS_PREFIXES = new RegExp(
  SAAS_FORMATS.flatMap((f) => f.hints)
    .map((h) => h.replace(/[.]/g, '\\.'))
    .join('|'),
  'g',
);

// Left boundaries: a prefix glued to a preceding letter or digit is part of another word (`xhf_`, `mydapi`).
const FORMATS: TokenFormat[] = [
  {
    ruleId: 'secret.github-token',
    kind: 'github-token',
    severity: 'blocker',
    title: 'GitHub token',
    fix: 'Revoke the token on GitHub now and inject it at build time from the CI secret store.',
    // Installation tokens now also come as `ghs_<app id>_<JWT>`: the JWT part carries its own dots.
    pattern:
      /(?<![A-Za-z0-9_])(?<value>(?:ghs_[0-9]+_(?<jwt>eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)|gh[pousr]_(?<classic>[A-Za-z0-9]{36,251})|github_pat_(?<pat>[A-Za-z0-9_]{50,251})))(?![A-Za-z0-9_])/g,
    minEntropy: 3.5,
  },
  {
    ruleId: 'secret.gitlab-token',
    kind: 'gitlab-token',
    severity: 'blocker',
    title: 'GitLab token (personal, project, deploy, runner, pipeline trigger, OAuth, feed)',
    fix: 'Revoke the token in GitLab (user, project or runner settings) and read it from a CI/CD variable.',
    // Newer personal tokens carry `.01.` style segments, so dots are allowed inside the tail.
    pattern:
      /(?<![A-Za-z0-9_-])(?<value>(?:gl(?:pat|dt|ptt|rt|oas|cbt|imt|soat|ffct|ft|agent)-|GR1348941)(?<tail>[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]+){0,3}))(?![A-Za-z0-9_-])/g,
  },
  {
    ruleId: 'secret.openai-api-key',
    kind: 'openai-api-key',
    severity: 'blocker',
    title: 'OpenAI API key',
    fix: 'Revoke the key in the OpenAI dashboard; call the model from a backend or through the gateway, never from the app.',
    // Project, service-account and admin keys have their own prefix; a legacy `sk-` key is only
    // told from other `sk-` strings by the `T3BlbkFJ` marker OpenAI puts in the middle of its keys.
    pattern:
      /(?<![A-Za-z0-9_-])(?<value>sk-(?:(?:proj|svcacct|admin)-(?<tail>[A-Za-z0-9_-]{40,})|(?<legacy>[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,})))(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
    // A report wants the marker in prefixed keys too (a look-alike without it is a test string);
    // redaction does not, since a long random `sk-proj-` value is a key whatever its middle.
    accept: (m, context) => context.purpose === 'redact' || m.groups!.value!.includes('T3BlbkFJ'),
  },
  {
    ruleId: 'secret.anthropic-api-key',
    kind: 'anthropic-api-key',
    severity: 'blocker',
    title: 'Anthropic API key',
    fix: 'Revoke the key in the Anthropic console; call the model from a backend or through the gateway, never from the app.',
    pattern:
      /(?<![A-Za-z0-9_-])(?<value>sk-ant-[a-z]{3,6}\d{2}-(?<tail>[A-Za-z0-9_-]{32,}))(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
  },
  {
    ruleId: 'secret.google-api-key',
    kind: 'google-api-key',
    severity: 'major',
    title: 'Google / Firebase API key',
    fix: 'Restrict the key to your app (iOS bundle id / Android package and SHA-1) and to the APIs it needs in the Google Cloud console; move keys that are not Firebase config out of source.',
    pattern: /(?<![A-Za-z0-9_-])(?<value>AIza(?<tail>[0-9A-Za-z_-]{35}))(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
    // Firebase config files must ship these keys; restricting the key is the fix, not removing it.
    soften: (_m, context) =>
      context.path && /(GoogleService-Info\.plist|google-services\.json)$/.test(context.path)
        ? 'minor'
        : undefined,
  },
  {
    ruleId: 'secret.firebase-cloud-messaging-key',
    kind: 'fcm-server-key',
    severity: 'blocker',
    title: 'Firebase Cloud Messaging server key',
    fix: 'Delete the server key in the Firebase console (Cloud Messaging) and send pushes from a backend with the HTTP v1 API and a service account.',
    pattern:
      /(?<![A-Za-z0-9_-])(?<value>AAAA[A-Za-z0-9_-]{7}:APA91b(?<tail>[A-Za-z0-9_-]{100,}))(?![A-Za-z0-9_-])/g,
    minEntropy: 3.5,
  },
  {
    ruleId: 'secret.slack-token',
    kind: 'slack-token',
    severity: 'blocker',
    title: 'Slack token (bot, user, app, legacy)',
    fix: 'Revoke the token in the Slack app settings and call Slack from a backend, never from the app.',
    // Bot, user and legacy tokens are `xox?-<team digits>-...`; app-level tokens `xapp-<n>-<id>-<digits>-<hex>`.
    pattern:
      /(?<![A-Za-z0-9-])(?<value>(?:xox[a-z]-(?<tail>[0-9]{5,}-[0-9A-Za-z-]{10,})|xapp-\d+-(?<app>[A-Z0-9]{8,}-\d{6,}-[A-Za-z0-9]{20,})))(?![A-Za-z0-9-])/g,
  },
  {
    ruleId: 'secret.slack-webhook',
    kind: 'slack-webhook',
    severity: 'major',
    title: 'Slack incoming webhook URL',
    fix: 'Regenerate the webhook in Slack and post through a backend: anyone with the URL can post to the channel.',
    pattern:
      /(?<value>https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<tail>[A-Za-z0-9_/+-]{10,}))/g,
    minEntropy: 3.5,
  },
  {
    ruleId: 'secret.stripe-key',
    kind: 'stripe-secret-key',
    severity: 'blocker',
    title: 'Stripe secret, restricted or webhook signing key',
    fix: 'Roll the key in the Stripe dashboard; apps may only contain publishable keys (pk_), secret keys belong on the server.',
    pattern:
      /(?<![A-Za-z0-9_])(?<value>(?:(?:sk|rk)_(?<mode>live|test)_|whsec_)(?<tail>[0-9A-Za-z]{24,247}))(?![A-Za-z0-9_])/g,
    minEntropy: 3.5,
    soften: (m) => (m.groups!.mode === 'test' ? 'minor' : undefined),
  },
  {
    ruleId: 'secret.sendgrid-api-key',
    kind: 'sendgrid-api-key',
    severity: 'blocker',
    title: 'SendGrid API key',
    fix: 'Delete the key in SendGrid (Settings, API Keys) and send mail from a backend.',
    // No word boundary: the two fixed-length parts are distinctive enough, and a key glued to other
    // text (a lost paste) must still be taken out.
    pattern: /(?<value>SG\.(?<tail>[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}))/g,
    minEntropy: 3.5,
  },
  {
    ruleId: 'secret.twilio-credential',
    kind: 'twilio-credential',
    severity: 'major',
    title: 'Twilio API key SID or auth token',
    fix: 'Delete the API key or rotate the auth token in the Twilio console, and call Twilio from a backend.',
    hints: ['SK', 'twilio', 'Twilio', 'TWILIO'],
    // API key SIDs are `SK` and 32 lower-case hex digits; the auth token is bare hex, so only its name finds it.
    pattern:
      /(?:(?<![A-Za-z0-9])(?<value>SK(?<tail>[0-9a-f]{32}))(?![A-Za-z0-9])|(?:twilio|Twilio|TWILIO)[\w.-]*?(?:auth|Auth|AUTH)?[_-]?(?:token|Token|TOKEN)["']?\s*[:=]\s*@?["']?(?<token>[0-9a-f]{32})(?![0-9a-f]))/g,
    minEntropy: 3,
  },
  {
    ruleId: 'secret.npm-token',
    kind: 'npm-token',
    severity: 'blocker',
    title: 'npm access token',
    fix: 'Revoke the token on npmjs.com (Access Tokens) and give CI a granular automation token from its secret store.',
    // Also the auth entries of an `.npmrc` (`//registry/:_authToken=…`, `_auth`, `_password`), whatever
    // the registry's token looks like; `${NPM_TOKEN}` is a look-up and never matches.
    pattern:
      /(?<![A-Za-z0-9_])(?<value>npm_(?<tail>[A-Za-z0-9]{36}))(?![A-Za-z0-9_])|(?:^|:)_(?:authToken|auth|password)\s*=\s*(?<token>[^\s$"'{]{8,})/gm,
    minEntropy: 3.5,
  },
  {
    ruleId: 'secret.huggingface-token',
    kind: 'huggingface-token',
    severity: 'blocker',
    title: 'Hugging Face access token',
    fix: 'Invalidate the token in the Hugging Face settings and read it from the environment.',
    pattern: /(?<![A-Za-z0-9_])(?<value>(?:hf_|api_org_)(?<tail>[A-Za-z]{34}))(?![A-Za-z0-9_])/g,
  },
  {
    ruleId: 'secret.shopify-token',
    kind: 'shopify-token',
    severity: 'blocker',
    title: 'Shopify access token or app secret',
    fix: 'Rotate the token or app secret in the Shopify Partner dashboard or the store admin, and keep it on the server.',
    pattern: /(?<![A-Za-z0-9_])(?<value>shp(?:at|ca|pa|ss)_(?<tail>[A-Za-z0-9]{32,40}))(?![A-Za-z0-9_])/g,
  },
  {
    ruleId: 'secret.docker-token',
    kind: 'docker-token',
    severity: 'blocker',
    title: 'Docker Hub access token',
    fix: 'Revoke the token in Docker Hub (Account settings, Personal access tokens) and log in from CI with a secret.',
    pattern: /(?<![A-Za-z0-9_])(?<value>dckr_(?:pat|oat)_(?<tail>[A-Za-z0-9_-]{27,}))(?![A-Za-z0-9_-])/g,
  },
  {
    ruleId: 'secret.saas-token',
    kind: 'saas-token',
    severity: 'major',
    title:
      'Developer-service token (Grafana, Linear, Figma, Tailscale, 1Password, Cloudflare, Vercel, Groq, Databricks, Vault, Notion)',
    fix: ROTATE,

    // One rule for the long tail of services an app's build or tooling may hold a token for; each
    // format runs only when its own prefix occurs (one alternation of twelve would try them all at
    // every position).
    pattern: /$^/g,
    minEntropy: 3,
  },
];

function tailOf(m: RegExpExecArray): string {
  const g = m.groups!;
  return g.tail ?? g.classic ?? g.pat ?? g.jwt ?? g.legacy ?? g.app ?? g.token ?? g.value!;
}

function detectorFor(format: TokenFormat): SecretDetector {
  return {
    ruleId: format.ruleId,
    kind: format.kind,
    severity: format.severity ?? 'blocker',
    title: format.title,
    fix: format.fix,
    hints: format.hints ?? [],
    find:
      format.ruleId === 'secret.saas-token'
        ? function* (text, context) {
            // One pass finds which prefixes occur; only their formats run.
            const present = new Set<string>();
            for (const m of text.matchAll(SAAS_PREFIXES)) present.add(m[0]);
            for (const f of SAAS_FORMATS)
              if (f.hints.some((h) => present.has(h)))
                yield* findFormat(text, { ...format, pattern: f.pattern }, context);
          }
        : (text, context) => findFormat(text, format, context),
  };
}

function* findFormat(text: string, format: TokenFormat, context: DetectorContext): Iterable<Candidate> {
  const re = withIndices(format.pattern);
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const groupName = m.groups!.value !== undefined ? 'value' : 'token';
    const span = m.indices?.groups?.[groupName];
    if (!span) continue;
    if (!tokenTail(tailOf(m), context, format.minEntropy)) continue;
    if (format.accept && !format.accept(m, context)) continue;
    const severity = format.soften?.(m, context);
    yield { start: span[0], end: span[1], ...(severity ? { severity } : {}) };
  }
}

export const VENDOR_TOKEN_DETECTORS: SecretDetector[] = FORMATS.map(detectorFor);
