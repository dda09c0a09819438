/**
 * Paths whose content never leaves for a vendor, whatever the workflow asks: signing keys, service
 * configs with credentials, env files, vendored SDKs. The list is owned by security and kept outside
 * the repositories (the file named by GATEWAY_POLICY_FILE: one glob a line, `#` comments, or YAML
 * `neverSent: [...]`); these defaults always apply. Checked before redaction: redaction cannot make
 * a keystore safe to send.
 */
import picomatch from 'picomatch';

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

  constructor(globs: readonly string[]) {
    this.globs = [...new Set([...DEFAULT_NEVER_SENT, ...globs.map(normalise)])];
    this.matcher = picomatch(this.globs as string[], { dot: true, nocase: true });
  }

  /** The paths among `paths` that must not be sent. */
  blocked(paths: readonly string[]): string[] {
    return paths.filter((p) => this.matcher(p.replace(/^\.?\//, '')));
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
