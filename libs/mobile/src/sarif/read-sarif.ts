import type { Severity } from '@agentflow/contracts';
import { ReportParseError } from '../coverage/errors';
import type { SarifLevel, SarifLog, SarifReportingDescriptor, SarifResult, SarifRun } from './types';

/** One result of a third-party tool (SwiftLint, detekt, Android Lint), normalised. */
export interface ToolIssue {
  /** `tool.driver.name`, e.g. `SwiftLint`, `detekt`, `Android Lint`. */
  tool: string;
  ruleId: string;
  level: SarifLevel;
  /** `error` -> major, `warning` -> minor, `note`/`none` -> info. */
  severity: Severity;
  message: string;
  /**
   * Path of the file: relative to `root` when the resolved location lies under it, otherwise the
   * location as the tool wrote it (an absolute path from another machine, or a relative URI).
   */
  file: string;
  /** 1-based; 0 when the result has no region. */
  line: number;
  endLine?: number;
  column?: number;
  /** The tool's own fingerprint, if it gave one. */
  fingerprint?: string;
}

export interface ReadSarifOptions {
  /** Absolute path of the checkout the tool analysed; results under it become relative paths. */
  root?: string;
}

const LEVEL_SEVERITY: Record<SarifLevel, Severity> = {
  error: 'major',
  warning: 'minor',
  note: 'info',
  none: 'info',
};

/** `file:///a/b%20c` -> `/a/b c`; Windows drive URIs keep their drive (`X:/...`). */
function fileUriToPath(uri: string): string {
  if (!uri.startsWith('file:')) return safeDecode(uri);
  const path = safeDecode(uri.replace(/^file:(\/\/[^/]*)?/, ''));
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Resolves a `uriBaseId` chain (`%SRCROOT%` -> `file:///work/app/`) to an absolute URI prefix. */
function resolveBase(run: SarifRun, id: string | undefined, depth = 0): string | undefined {
  if (!id || depth > 8) return undefined;
  const base = run.originalUriBaseIds?.[id];
  if (!base?.uri) return undefined;
  const parent = base.uriBaseId ? resolveBase(run, base.uriBaseId, depth + 1) : undefined;
  const uri = parent ? joinUri(parent, base.uri) : base.uri;
  return uri.endsWith('/') ? uri : `${uri}/`;
}

function joinUri(base: string, relative: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${relative.replace(/^\.\//, '')}`;
}

function relativise(path: string, root: string | undefined): string {
  if (!root) return path;
  const prefix = root.replace(/\\/g, '/').replace(/\/?$/, '/');
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

function findRule(run: SarifRun, result: SarifResult): SarifReportingDescriptor | undefined {
  const rules = run.tool.driver.rules ?? [];
  const index = result.ruleIndex ?? result.rule?.index;
  if (index !== undefined && rules[index]) return rules[index];
  const id = result.ruleId ?? result.rule?.id;
  if (!id) return undefined;
  // Hierarchical ids (`detekt.RuleSet2.TestSmellC/id`) fall back to their parent rule.
  return rules.find((r) => r.id === id) ?? rules.find((r) => id.startsWith(`${r.id}/`));
}

/**
 * Reads a SARIF 2.1.0 log from SwiftLint, detekt (absolute URIs, `%SRCROOT%` base ids, base-path
 * fixtures) or Android Lint (`ruleIndex`, `partialFingerprints`) into flat {@link ToolIssue}s.
 * The level comes from the result, else the rule's default configuration, else `warning` (SARIF 3.27.10).
 */
export function readSarif(text: string, options: ReadSarifOptions = {}): ToolIssue[] {
  let log: SarifLog;
  try {
    log = JSON.parse(text) as SarifLog;
  } catch (error) {
    throw new ReportParseError(
      `SARIF file is not JSON (${error instanceof Error ? error.message : String(error)}): pass the .sarif file the tool wrote`,
    );
  }
  if (!log || typeof log !== 'object' || !Array.isArray(log.runs))
    throw new ReportParseError('SARIF log has no `runs` array: is this a SARIF 2.1.0 file?');
  if (log.version !== '2.1.0')
    throw new ReportParseError(
      `SARIF version ${String(log.version)} is not supported: ask the tool for SARIF 2.1.0`,
    );
  const issues: ToolIssue[] = [];
  for (const run of log.runs) {
    const tool = run.tool?.driver?.name ?? 'unknown';
    for (const result of run.results ?? []) {
      const rule = findRule(run, result);
      const level: SarifLevel = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      const physical = result.locations?.[0]?.physicalLocation;
      const artifact = physical?.artifactLocation;
      const base = resolveBase(run, artifact?.uriBaseId);
      const uri = artifact?.uri ?? '';
      const absoluteOrRelative =
        base && !/^[a-z]+:/i.test(uri) ? fileUriToPath(joinUri(base, uri)) : fileUriToPath(uri);
      const region = physical?.region;
      const fingerprints = { ...result.fingerprints, ...result.partialFingerprints };
      const firstFingerprint = Object.values(fingerprints)[0];
      issues.push({
        tool,
        ruleId: result.ruleId ?? result.rule?.id ?? rule?.id ?? 'unknown',
        level,
        severity: LEVEL_SEVERITY[level] ?? 'minor',
        message: result.message?.text ?? result.message?.markdown ?? rule?.shortDescription?.text ?? '',
        file: relativise(absoluteOrRelative, options.root),
        line: region?.startLine ?? 0,
        ...(region?.endLine !== undefined ? { endLine: region.endLine } : {}),
        ...(region?.startColumn !== undefined ? { column: region.startColumn } : {}),
        ...(firstFingerprint !== undefined ? { fingerprint: firstFingerprint } : {}),
      });
    }
  }
  return issues;
}
