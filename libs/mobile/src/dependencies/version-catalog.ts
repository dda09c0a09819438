import { parse } from 'smol-toml';
import { ReportParseError } from '../coverage/errors';
import type { DependencyFile, DependencyPin } from './types';

type Entry =
  | string
  | {
      module?: string;
      group?: string;
      name?: string;
      id?: string;
      version?: string | { ref?: string; strictly?: string; require?: string; prefer?: string };
    };

/** 1-based line where a catalog alias is defined in `section`. */
function aliasLine(text: string, section: string, alias: string): number {
  const lines = text.split('\n');
  let inSection = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('[')) inSection = line === `[${section}]`;
    else if (inSection && new RegExp(`^"?${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`).test(line))
      return i + 1;
  }
  return 0;
}

/**
 * Reads a Gradle version catalog (`gradle/libs.versions.toml`): libraries in the `module`,
 * `group`+`name` and string-notation forms, plugins, and `version.ref` references resolved.
 */
export function readVersionCatalog(text: string): DependencyFile & { versions: Record<string, string> } {
  let doc: Record<string, Record<string, unknown>>;
  try {
    doc = parse(text) as Record<string, Record<string, unknown>>;
  } catch (error) {
    throw new ReportParseError(
      `version catalog is not valid TOML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const versions: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.versions ?? {})) {
    versions[k] =
      typeof v === 'string'
        ? v
        : String(
            (v as { strictly?: string; require?: string; prefer?: string }).strictly ??
              (v as { require?: string }).require ??
              (v as { prefer?: string }).prefer ??
              '',
          );
  }
  const versionOf = (entry: Entry): string => {
    if (typeof entry === 'string') return entry.split(':')[2] ?? '';
    const v = entry.version;
    if (typeof v === 'string') return v;
    if (v?.ref) return versions[v.ref] ?? '';
    return v?.strictly ?? v?.require ?? v?.prefer ?? '';
  };
  const pins: DependencyPin[] = [];
  for (const [alias, raw] of Object.entries(doc.libraries ?? {})) {
    const entry = raw as Entry;
    const name =
      typeof entry === 'string'
        ? entry.split(':').slice(0, 2).join(':')
        : (entry.module ?? `${entry.group}:${entry.name}`);
    pins.push({ name, version: versionOf(entry), line: aliasLine(text, 'libraries', alias) });
  }
  for (const [alias, raw] of Object.entries(doc.plugins ?? {})) {
    const entry = raw as Entry;
    const name = typeof entry === 'string' ? entry.split(':')[0]! : (entry.id ?? alias);
    pins.push({
      name: `plugin:${name}`,
      version: typeof entry === 'string' ? (entry.split(':')[1] ?? '') : versionOf(entry),
      line: aliasLine(text, 'plugins', alias),
    });
  }
  return { pins, repositories: [], versions };
}
