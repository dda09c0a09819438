/**
 * @agentflow/mobile: what can be known about a mobile change without a model. Secrets, diffs,
 * project structure, coverage and SARIF reports, and the mobile security and release-risk rules.
 */
export { findSecrets, findEmails, type SecretMatch, type FindSecretsOptions } from './secrets/find-secrets';
export { syntheticSecret, type SyntheticSecretKind } from './secrets/synthetic';

export { parseUnifiedDiff, DiffParseError } from './diff/parse-diff';
export { diffPosition, findNewLine, newLineAtPosition, addedLineNumbers, deletedLines, reconstructOld, sparseNewContent, sparseOldContent } from './diff/lines';
export type { DiffLine, DiffHunk, FileDiff, FileChangeStatus } from './diff/types';
export { classifyFile, languageOf, isTestPath, readGitAttributes, type FileKind, type FileClass, type SourceLanguage, type ClassifyOptions } from './files/classify';

export type { CoverageFormat, CoverageReport, FileCoverage, FunctionCoverage, LineHits } from './coverage/types';
export { ReportParseError, CoverageParseError } from './coverage/errors';
export { parseLcov } from './coverage/lcov';
export { parseJacoco } from './coverage/jacoco';
export { parseCobertura, coberturaSources } from './coverage/cobertura';
export { parseXccov } from './coverage/xccov';
export { parseCoverage, detectCoverageFormat } from './coverage/read-coverage';
export { CoverageIndex, type LineCoverageState } from './coverage/coverage-index';

export { readSarif, type ToolIssue, type ReadSarifOptions } from './sarif/read-sarif';
export { writeSarif, SARIF_SCHEMA_URI, type WriteSarifOptions } from './sarif/write-sarif';
export { loadSarifSchema } from './sarif/sarif-schema';
export type { SarifLog, SarifRun, SarifResult, SarifLevel, SarifReportingDescriptor } from './sarif/types';

export { toContractFinding, fingerprintOf, normaliseEvidence, type AnalyzerFinding, type RuleCategory, type ToContractFindingOptions } from './findings/finding';
export { RULES, ruleById, makeFinding, type RuleDefinition } from './rules/catalogue';
