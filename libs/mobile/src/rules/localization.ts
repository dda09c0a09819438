import type { AnalyzerFinding } from '../findings/finding';
import { languageOf } from '../files/classify';
import {
  readDotStrings,
  readStringsXml,
  readXcstrings,
  stringsXmlNames,
  type LocalizedEntry,
} from '../localization/catalogs';
import { placeholderMismatch, placeholdersOf } from '../localization/placeholders';
import { makeFinding } from './catalogue';
import { isChangedLine, type ChangedFile, type RuleContext } from './types';

const LPROJ = /^(.*\/)?([^/]+)\.lproj\/([^/]+\.strings)$/;
const VALUES = /^(.*\/res\/)values(-[^/]+)?\/(strings\.xml)$/;

interface Pair {
  language: string;
  file: string;
  base: Map<string, LocalizedEntry>;
  /** Keys the base defines whatever their translatability (Android `translatable="false"` included). */
  baseNames?: ReadonlySet<string>;
  /** The table is `InfoPlist.strings`: its base is the target's Info.plist, not an English file. */
  infoPlist?: boolean;
  translated: Map<string, LocalizedEntry>;
  /** Whether a line of the translated file counts (changed in a diff, always in a scan). */
  lineCounts: (line: number) => boolean;
  /** Keys whose base entry changed (a change in the base file re-checks its translations). */
  changedBaseKeys: Set<string>;
}

/** A key missing from the base language in one translation, before grouping across languages. */
interface MissingKey {
  key: string;
  file: string;
  line: number;
  language: string;
  platform: 'apple' | 'android';
}

/**
 * Apple tables fall back to the key itself when the base has no entry: a key that is English text
 * (`"Duck Address"`, `"Cancel"`, `"Open \"(preview)\""`) shows as that text, which is what the
 * app means. Only identifier-shaped keys (`settings.title`, `onboarding_done`) show as raw keys.
 */
export function keyReadsAsText(key: string): boolean {
  return /\s/.test(key) || /[^A-Za-z0-9_.-]/.test(key) || /^[A-Z][a-z]+$/.test(key);
}

function compare(pair: Pair, platform: 'apple' | 'android', missing: MissingKey[]): AnalyzerFinding[] {
  const findings: AnalyzerFinding[] = [];
  const counts = (entry: LocalizedEntry) =>
    pair.lineCounts(entry.line) || pair.changedBaseKeys.has(entry.key);
  for (const entry of pair.translated.values()) {
    if (!counts(entry)) continue;
    const base = pair.base.get(entry.key);
    if (!base) {
      if (pair.baseNames?.has(entry.key)) continue;
      if (platform === 'apple' && (pair.infoPlist || keyReadsAsText(entry.key))) continue;
      missing.push({ key: entry.key, file: pair.file, line: entry.line, language: pair.language, platform });
      continue;
    }
    const problem = placeholderMismatch(
      placeholdersOf(base.value, platform),
      placeholdersOf(entry.value, platform),
    );
    if (problem)
      findings.push(
        makeFinding(
          'l10n.placeholder-mismatch',
          pair.file,
          entry.line,
          `The ${pair.language} "${entry.key}" ${problem}`,
          `${entry.key}:${entry.value}`,
        ),
      );
  }
  return findings;
}

/**
 * How code looks an Apple key up: `none` when no Swift or Objective-C file names it (a stale
 * translation nothing reads), `defaulted` when every lookup carries its English text
 * (`NSLocalizedString("k", value: "…")`, `String(localized: "k", defaultValue: "…")`, SwiftGen `fallback:`), which is
 * what shows when the base lacks the key; `raw` otherwise.
 */
function appleKeyLookups(
  keys: ReadonlySet<string>,
  context: RuleContext,
): Map<string, 'none' | 'defaulted' | 'raw'> {
  const state = new Map<string, 'none' | 'defaulted' | 'raw'>([...keys].map((k) => [k, 'none']));
  if (keys.size === 0) return state;
  const quoted = [...keys].map((k) => [k, JSON.stringify(k)] as const);
  for (const path of context.repo.files) {
    const language = languageOf(path);
    if (language !== 'swift' && language !== 'objc') continue;
    const text = context.repo.read(path);
    if (text === undefined) continue;
    for (const [key, literal] of quoted) {
      if (state.get(key) === 'raw') continue;
      for (let at = text.indexOf(literal); at !== -1; at = text.indexOf(literal, at + literal.length)) {
        const lineEnd = text.indexOf('\n', at);
        const rest = text.slice(at, lineEnd === -1 ? text.length : lineEnd);
        state.set(key, /\b(value|defaultValue|fallback)\s*:/.test(rest) ? 'defaulted' : 'raw');
        if (state.get(key) === 'raw') break;
      }
    }
  }
  return state;
}

/**
 * One finding per key, not per language: a key twenty translations carry and the base lacks is one
 * thing to fix. Placed on the first translation (by path) that has it.
 */
function missingKeyFindings(missing: readonly MissingKey[], context: RuleContext): AnalyzerFinding[] {
  const lookups = appleKeyLookups(
    new Set(missing.filter((m) => m.platform === 'apple').map((m) => m.key)),
    context,
  );
  const groups = new Map<string, MissingKey[]>();
  for (const m of missing) {
    if (m.platform === 'apple' && lookups.get(m.key) !== 'raw') continue;
    const table =
      m.platform === 'apple'
        ? m.file.replace(/[^/]+\.lproj\//, '*.lproj/')
        : m.file.replace(/\/values-[^/]+\//, '/values-*/');
    const group = `${table}\0${m.key}`;
    groups.set(group, [...(groups.get(group) ?? []), m]);
  }
  return [...groups.values()].map((list) => {
    const sorted = [...list].sort((a, b) => a.file.localeCompare(b.file));
    const first = sorted[0]!;
    const languages = sorted.map((m) => m.language);
    const named =
      languages.length <= 3
        ? languages.join(', ')
        : `${languages.slice(0, 3).join(', ')} and ${languages.length - 3} more`;
    const consequence =
      first.platform === 'android'
        ? 'Android Lint reports it as an extra translation'
        : 'code looks it up with no default, so the base language shows the raw key';
    return makeFinding(
      'l10n.missing-base-key',
      first.file,
      first.line,
      `"${first.key}" is translated (${named}) but missing from the base language; ${consequence}`,
      first.key,
    );
  });
}

function changedKeys(file: ChangedFile | undefined, entries: Map<string, LocalizedEntry>): Set<string> {
  if (!file || file.changedLines === undefined) return new Set();
  return new Set([...entries.values()].filter((e) => file.changedLines!.has(e.line)).map((e) => e.key));
}

/**
 * Localisation tables: placeholder mismatches against the base language and keys the base lacks.
 * A changed translation is checked on its changed lines; a changed base re-checks the keys it
 * changed in every translation (found through the repository).
 */
export function localizationFindings(
  changes: readonly ChangedFile[],
  context: RuleContext,
): AnalyzerFinding[] {
  const findings: AnalyzerFinding[] = [];
  const byPath = new Map(changes.map((c) => [c.path, c]));
  const seen = new Set<string>();
  const missing: MissingKey[] = [];
  const read = (path: string) => byPath.get(path)?.content ?? context.repo.read(path);

  const checkTable = (
    baseFile: string,
    translations: string[],
    parse: (t: string) => Map<string, LocalizedEntry>,
    languageName: (p: string) => string,
    platform: 'apple' | 'android',
  ) => {
    const baseText = read(baseFile);
    if (baseText === undefined) return;
    const base = parse(baseText);
    const baseNames = platform === 'android' ? stringsXmlNames(baseText) : undefined;
    const infoPlist = platform === 'apple' && /(^|\/)InfoPlist\.strings$/.test(baseFile);
    const baseChanged = changedKeys(byPath.get(baseFile), base);
    for (const file of translations) {
      if (seen.has(file)) continue;
      const changed = byPath.get(file);
      if (context.mode === 'diff' && !changed && baseChanged.size === 0) continue;
      const text = read(file);
      if (text === undefined) continue;
      seen.add(file);
      const lineCounts = changed
        ? (line: number) => isChangedLine(changed, line)
        : () => context.mode === 'scan';
      findings.push(
        ...compare(
          {
            language: languageName(file),
            file,
            base,
            baseNames,
            infoPlist,
            translated: parse(text),
            lineCounts,
            changedBaseKeys: baseChanged,
          },
          platform,
          missing,
        ),
      );
    }
  };

  for (const change of changes) {
    if (change.class.kind !== 'localization') continue;
    const lproj = LPROJ.exec(change.path);
    if (lproj) {
      const [, dir = '', , table] = lproj;
      const siblings = context.repo.files.filter(
        (f) => f.startsWith(dir) && f.endsWith(`.lproj/${table}`) && LPROJ.exec(f)?.[1] === lproj[1],
      );
      const baseFile =
        siblings.find((f) => f.endsWith(`Base.lproj/${table}`)) ??
        siblings.find((f) => f.endsWith(`en.lproj/${table}`));
      if (!baseFile) continue;
      checkTable(
        baseFile,
        siblings.filter((f) => f !== baseFile),
        readDotStrings,
        (p) => LPROJ.exec(p)![2]!,
        'apple',
      );
      continue;
    }
    const values = VALUES.exec(change.path);
    if (values) {
      const [, res] = values;
      const baseFile = `${res}values/strings.xml`;
      const translations = context.repo.files.filter(
        (f) => VALUES.exec(f)?.[1] === res && VALUES.exec(f)?.[2] !== undefined,
      );
      checkTable(baseFile, translations, readStringsXml, (p) => VALUES.exec(p)![2]!.slice(1), 'android');
      continue;
    }
    if (change.path.endsWith('.xcstrings') && change.content !== undefined && !seen.has(change.path)) {
      seen.add(change.path);
      let catalog: ReturnType<typeof readXcstrings>;
      try {
        catalog = readXcstrings(change.content);
      } catch {
        continue; // not JSON: a merge conflict the build will report
      }
      const base = catalog.tables.find((t) => t.language === catalog.sourceLanguage)!.entries;
      for (const t of catalog.tables) {
        if (t.language === catalog.sourceLanguage) continue;
        findings.push(
          ...compare(
            {
              language: t.language,
              file: change.path,
              base,
              translated: t.entries,
              lineCounts: (line) => isChangedLine(change, line),
              changedBaseKeys: changedKeys(change, base),
            },
            'apple',
            missing,
          ),
        );
      }
    }
  }
  findings.push(...missingKeyFindings(missing, context));
  return findings;
}

/** Registered for the catalogue and docs; the work happens across files in {@link localizationFindings}. */
export const localizationRuleIds = ['l10n.placeholder-mismatch', 'l10n.missing-base-key'] as const;
