import { pathToFileURL } from 'node:url';
import type { Severity } from '@agentflow/contracts';
import { FINGERPRINT_VERSION } from '@agentflow/findings';
import { fingerprintAll, type AnalyzerFinding } from '../findings/finding';
import { RULES, type RuleDefinition } from '../rules/catalogue';
import type { SarifLevel, SarifLog, SarifReportingDescriptor, SarifResult } from './types';

/** The schema URI written into `$schema` (the OASIS 2.1.0 errata 01 schema). */
export const SARIF_SCHEMA_URI =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const SEVERITY_LEVEL: Record<Severity, SarifLevel> = {
  blocker: 'error',
  major: 'error',
  minor: 'warning',
  info: 'note',
};

export interface WriteSarifOptions {
  /** Absolute path of the analysed root; written as `%SRCROOT%` so viewers can open the files. */
  root?: string;
  /** Version of agentflow to record as the driver version. */
  toolVersion?: string;
  /** Rules to describe; defaults to the analyser's whole catalogue. */
  rules?: Iterable<RuleDefinition>;
}

function descriptor(rule: RuleDefinition): SarifReportingDescriptor {
  return {
    id: rule.id,
    name: rule.id.replace(/(^|[.-])([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.title },
    fullDescription: { text: `${rule.title}. ${rule.fix}` },
    help: { text: rule.fix },
    defaultConfiguration: { level: SEVERITY_LEVEL[rule.severity] },
    properties: { category: rule.category, severity: rule.severity, tags: [rule.category] },
  };
}

/**
 * Writes analyser findings as one SARIF 2.1.0 run (driver `agentflow`), with file paths relative to
 * `%SRCROOT%` and the finding fingerprint in `partialFingerprints` so code-scanning tools track a
 * problem across pushes. File-level findings (line 0) carry no region.
 */
export function writeSarif(findings: readonly AnalyzerFinding[], options: WriteSarifOptions = {}): SarifLog {
  const rules = [...(options.rules ?? RULES.values())];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const fingerprints = fingerprintAll(findings);
  const results: SarifResult[] = findings.map((f, i) => {
    const ruleIndex = index.get(f.ruleId);
    const region =
      f.line > 0
        ? {
            region: { startLine: f.line, ...(f.endLine && f.endLine > f.line ? { endLine: f.endLine } : {}) },
          }
        : {};
    return {
      ruleId: f.ruleId,
      ...(ruleIndex !== undefined ? { ruleIndex } : {}),
      level: SEVERITY_LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(f.file), uriBaseId: '%SRCROOT%' },
            ...region,
          },
        },
      ],
      partialFingerprints: { [`agentflowFingerprint/v${FINGERPRINT_VERSION}`]: fingerprints[i] },
      properties: { severity: f.severity, category: f.category },
    };
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'agentflow',
            ...(options.toolVersion
              ? { version: options.toolVersion, semanticVersion: options.toolVersion }
              : {}),
            rules: rules.map(descriptor),
          },
        },
        ...(options.root
          ? {
              originalUriBaseIds: {
                '%SRCROOT%': {
                  uri: pathToFileURL(options.root.endsWith('/') ? options.root : `${options.root}/`).href,
                },
              },
            }
          : {}),
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
