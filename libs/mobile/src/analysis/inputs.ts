import { classifyFile, languageOf } from '../files/classify';

/** Files the rules and the structure reader open besides the changed ones. */
const RULE_INPUTS =
  /(^|\/)(Package\.swift|Package\.resolved|Podfile(\.lock)?|[^/]+\.podspec|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|[^/]+\.versions\.toml|gradle\.properties|[^/]*Info\.plist|AndroidManifest\.xml|network_security_config\.xml|\.gitattributes)$|\.(pbxproj|xcscheme|xcconfig|entitlements|xcprivacy|strings|stringsdict|xcstrings)$|(^|\/)res\/values[^/]*\/strings\.xml$/;

/**
 * Every file `analyze` reads for a change, so a caller that must fetch files first (the review
 * agents read blobs from git) gives it the same inputs `agentflow analyze` has on disk: the
 * changed files, the manifests and tables the rules consult, every test file (which tests belong
 * to which source is judged from their text), and when a localisation table changed, the Swift and
 * Objective-C sources (which keys code looks up, and with what default).
 */
export function analysisInputs(files: readonly string[], changed: readonly string[]): string[] {
  const changedSet = new Set(changed);
  const localisationChanged = changed.some((p) => classifyFile(p).kind === 'localization');
  return files.filter((f) => {
    if (changedSet.has(f) || RULE_INPUTS.test(f)) return true;
    const language = languageOf(f);
    if (!language) return false;
    if (classifyFile(f).kind === 'test') return true;
    return localisationChanged && (language === 'swift' || language === 'objc');
  });
}
