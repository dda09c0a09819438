/**
 * Paths whose content never leaves for a vendor, whatever the workflow asks: signing keys, service
 * configs with credentials, env files, vendored SDKs. One list for the whole system: the agents
 * leave these paths out of every prompt, and the gateway refuses a request that still names one
 * (the last line of defence). The list is the defaults below, the `gateway.policy.neverSent` of
 * gateway.yml, and the security-owned file named by GATEWAY_POLICY_FILE (one glob a line, `#`
 * comments, or YAML/JSON `neverSent: [...]`), kept outside the repositories.
 */
import { existsSync, readFileSync } from 'node:fs';
import picomatch from 'picomatch';
import { parse } from 'yaml';

export const DEFAULT_NEVER_SENT: readonly string[] = [
  '**/GoogleService-Info.plist',
  '**/google-services.json',
  '**/*.jks',
  '**/*.keystore',
  '**/*.p12',
  '**/*.mobileprovision',
  '**/*.pem',
  '**/*.key',
  '**/.env',
  '**/.env.*',
  '**/*.xcconfig.secret',
  '**/Pods/**',
  '**/Carthage/**',
  '**/vendor/**',
  '**/third_party/**',
  '**/ThirdParty/**',
];

/** A glob without a slash matches the base name anywhere in the tree, as .gitignore reads it. */
function normalise(glob: string): string {
  const g = glob.trim();
  if (!g.includes('/')) return `**/${g}`;
  return g.startsWith('/') ? g.slice(1) : g;
}

export class NeverSentPaths {
  private readonly matcher: (path: string) => boolean;
  readonly globs: readonly string[];

  /** The defaults always apply; `globs` add to them. */
  constructor(globs: readonly string[] = []) {
    this.globs = [...new Set([...DEFAULT_NEVER_SENT, ...globs.map(normalise)])];
    // Case-insensitive: `App/Vendor/` on a case-insensitive macOS checkout is `vendor/`.
    this.matcher = picomatch(this.globs as string[], { dot: true, nocase: true });
  }

  /** Whether this path must not be sent. */
  covers(path: string): boolean {
    return this.matcher(path.replace(/^\.?\//, ''));
  }

  /** The paths among `paths` that must not be sent. */
  blocked(paths: readonly string[]): string[] {
    return paths.filter((p) => this.covers(p));
  }
}

/** Reads the security-owned list: one glob a line, or a YAML/JSON document with `neverSent`. */
export function parsePolicyList(text: string): { neverSent: string[]; rulesOnly?: boolean } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const doc = JSON.parse(trimmed) as { neverSent?: string[]; rulesOnly?: boolean };
    return { neverSent: doc.neverSent ?? [], rulesOnly: doc.rulesOnly };
  }
  const neverSent: string[] = [];
  let rulesOnly: boolean | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line || line === 'neverSent:') continue;
    const flag = /^rulesOnly:\s*(true|false)$/.exec(line);
    if (flag) {
      rulesOnly = flag[1] === 'true';
      continue;
    }
    neverSent.push(line.replace(/^-\s*/, '').replace(/^["']|["']$/g, ''));
  }
  return { neverSent, rulesOnly };
}

/** `gateway.policy.neverSent` of a gateway.yml text (the section may also be the whole document). */
export function neverSentOfSettings(text: string): string[] {
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const root = (doc.gateway ?? doc) as { policy?: { neverSent?: unknown } };
  const list = root.policy?.neverSent;
  return Array.isArray(list) ? list.map(String) : [];
}

/**
 * The whole list as the gateway enforces it, read from the same files: gateway.yml and the
 * security-owned policy file. A missing gateway.yml adds nothing; a named policy file that cannot
 * be read is an error, because sending what security listed is worse than not starting.
 */
export function loadNeverSentPaths(files: { settingsFile?: string; policyFile?: string }): NeverSentPaths {
  const globs: string[] = [];
  if (files.settingsFile && existsSync(files.settingsFile))
    globs.push(...neverSentOfSettings(readFileSync(files.settingsFile, 'utf8')));
  if (files.policyFile) globs.push(...parsePolicyList(readFileSync(files.policyFile, 'utf8')).neverSent);
  return new NeverSentPaths(globs);
}
