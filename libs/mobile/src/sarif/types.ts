/**
 * The subset of SARIF 2.1.0 the readers and the writer use. Field names follow the specification
 * (OASIS SARIF 2.1.0, sections 3.13-3.27); unknown fields are kept by readers and ignored.
 */
export type SarifLevel = 'none' | 'note' | 'warning' | 'error';

export interface SarifLog {
  $schema?: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export interface SarifRun {
  tool: { driver: SarifToolComponent; extensions?: SarifToolComponent[] };
  originalUriBaseIds?: Record<string, { uri?: string; uriBaseId?: string }>;
  results?: SarifResult[];
  columnKind?: 'utf16CodeUnits' | 'unicodeCodePoints';
}

export interface SarifToolComponent {
  name: string;
  version?: string;
  semanticVersion?: string;
  informationUri?: string;
  rules?: SarifReportingDescriptor[];
}

export interface SarifReportingDescriptor {
  id: string;
  name?: string;
  shortDescription?: { text: string };
  fullDescription?: { text: string };
  help?: { text: string; markdown?: string };
  helpUri?: string;
  defaultConfiguration?: { level?: SarifLevel; enabled?: boolean; rank?: number };
  properties?: Record<string, unknown>;
}

export interface SarifArtifactLocation {
  uri?: string;
  uriBaseId?: string;
}

export interface SarifRegion {
  startLine?: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
  snippet?: { text?: string };
}

export interface SarifLocation {
  physicalLocation?: { artifactLocation?: SarifArtifactLocation; region?: SarifRegion };
}

export interface SarifResult {
  ruleId?: string;
  ruleIndex?: number;
  rule?: { id?: string; index?: number };
  level?: SarifLevel;
  kind?: string;
  message: { text?: string; markdown?: string; id?: string };
  locations?: SarifLocation[];
  partialFingerprints?: Record<string, string>;
  fingerprints?: Record<string, string>;
  properties?: Record<string, unknown>;
}
