import type { AnalyzerFinding } from '../findings/finding';
import { readDotStrings, readStringsXml, readXcstrings, type LocalizedEntry } from '../localization/catalogs';
import { placeholderMismatch, placeholdersOf } from '../localization/placeholders';
import { makeFinding } from './catalogue';
import { isChangedLine, type ChangedFile, type RuleContext } from './types';

const LPROJ = /^(.*\/)?([^/]+)\.lproj\/([^/]+\.strings)$/;
const VALUES = /^(.*\/res\/)values(-[^/]+)?\/(strings\.xml)$/;

interface Pair {
  language: string;
  file: string;
  base: Map<string, LocalizedEntry>;
  translated: Map<string, LocalizedEntry>;
  /** Whether a line of the translated file counts (changed in a diff, always in a scan). */
  lineCounts: (line: number) => boolean;
  /** Keys whose base entry changed (a change in the base file re-checks its translations). */
  changedBaseKeys: Set<string>;
}

function compare(pair: Pair, platform: 'apple' | 'android'): AnalyzerFinding[] {
  const findings: AnalyzerFinding[] = [];
  const counts = (entry: LocalizedEntry) => pair.lineCounts(entry.line) || pair.changedBaseKeys.has(entry.key);
  for (const entry of pair.translated.values()) {
    if (!counts(entry)) continue;
    const base = pair.base.get(entry.key);
    if (!base) {
      findings.push(makeFinding('l10n.missing-base-key', pair.file, entry.line, `"${entry.key}" exists in ${pair.language} but not in the base language`, entry.key));
      continue;
    }
    const problem = placeholderMismatch(placeholdersOf(base.value, platform), placeholdersOf(entry.value, platform));
    if (problem) findings.push(makeFinding('l10n.placeholder-mismatch', pair.file, entry.line, `The ${pair.language} "${entry.key}" ${problem}`, `${entry.key}:${entry.value}`));
  }
  return findings;
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
export function localizationFindings(changes: readonly ChangedFile[], context: RuleContext): AnalyzerFinding[] {
  const findings: AnalyzerFinding[] = [];
  const byPath = new Map(changes.map((c) => [c.path, c]));
  const seen = new Set<string>();
  const read = (path: string) => byPath.get(path)?.content ?? context.repo.read(path);

  const checkTable = (baseFile: string, translations: string[], parse: (t: string) => Map<string, LocalizedEntry>, languageOf: (p: string) => string, platform: 'apple' | 'android') => {
    const baseText = read(baseFile);
    if (baseText === undefined) return;
    const base = parse(baseText);
    const baseChanged = changedKeys(byPath.get(baseFile), base);
    for (const file of translations) {
      if (seen.has(file)) continue;
      const changed = byPath.get(file);
      if (context.mode === 'diff' && !changed && baseChanged.size === 0) continue;
      const text = read(file);
      if (text === undefined) continue;
      seen.add(file);
      const lineCounts = changed ? (line: number) => isChangedLine(changed, line) : () => context.mode === 'scan';
      findings.push(...compare({ language: languageOf(file), file, base, translated: parse(text), lineCounts, changedBaseKeys: baseChanged }, platform));
    }
  };

  for (const change of changes) {
    if (change.class.kind !== 'localization') continue;
    const lproj = LPROJ.exec(change.path);
    if (lproj) {
      const [, dir = '', , table] = lproj;
      const siblings = context.repo.files.filter((f) => f.startsWith(dir) && f.endsWith(`.lproj/${table}`) && LPROJ.exec(f)?.[1] === lproj[1]);
      const baseFile = siblings.find((f) => f.endsWith(`Base.lproj/${table}`)) ?? siblings.find((f) => f.endsWith(`en.lproj/${table}`));
      if (!baseFile) continue;
      checkTable(baseFile, siblings.filter((f) => f !== baseFile), readDotStrings, (p) => LPROJ.exec(p)![2]!, 'apple');
      continue;
    }
    const values = VALUES.exec(change.path);
    if (values) {
      const [, res] = values;
      const baseFile = `${res}values/strings.xml`;
      const translations = context.repo.files.filter((f) => VALUES.exec(f)?.[1] === res && VALUES.exec(f)?.[2] !== undefined);
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
        findings.push(...compare({ language: t.language, file: change.path, base, translated: t.entries, lineCounts: (line) => isChangedLine(change, line), changedBaseKeys: changedKeys(change, base) }, 'apple'));
      }
    }
  }
  return findings;
}

/** Registered for the catalogue and docs; the work happens across files in {@link localizationFindings}. */
export const localizationRuleIds = ['l10n.placeholder-mismatch', 'l10n.missing-base-key'] as const;
