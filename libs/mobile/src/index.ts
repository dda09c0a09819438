/**
 * @agentflow/mobile: what can be known about a mobile change without a model. Secrets, diffs,
 * project structure, coverage and SARIF reports, and the mobile security and release-risk rules.
 */
export { findSecrets, findEmails, type SecretMatch, type FindSecretsOptions } from './secrets/find-secrets';
export { syntheticSecret, type SyntheticSecretKind } from './secrets/synthetic';

export { parseUnifiedDiff, DiffParseError, type ParseDiffOptions } from './diff/parse-diff';
export {
  diffPosition,
  findNewLine,
  newLineAtPosition,
  addedLineNumbers,
  deletedLines,
  reconstructOld,
  sparseNewContent,
  sparseOldContent,
} from './diff/lines';
export type { DiffLine, DiffHunk, FileDiff, FileChangeStatus } from './diff/types';
export { decodeText, MAX_TEXT_BYTES, tooLargeDetail, type TextContent } from './files/text-content';
export {
  classifyFile,
  languageOf,
  isTestPath,
  isTestSupportPath,
  isBuildLogicPath,
  readGitAttributes,
  type FileKind,
  type FileClass,
  type SourceLanguage,
  type ClassifyOptions,
} from './files/classify';

export type {
  CoverageFormat,
  CoverageReport,
  FileCoverage,
  FunctionCoverage,
  LineHits,
} from './coverage/types';
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

export {
  toContractFinding,
  toolIssueToFinding,
  toolIssuesToFindings,
  fingerprintOf,
  fingerprintAll,
  type AnalyzerFinding,
  type RuleCategory,
  type ToContractFindingOptions,
} from './findings/finding';
export { RULES, ruleById, makeFinding, type RuleDefinition } from './rules/catalogue';

export { type RepoReader, directoryReader, memoryReader } from './repo/repo-reader';
export { gitDiffAgainst, gitFileReader, GitError } from './repo/git';

export {
  readProjectStructure,
  type ProjectStructure,
  type ModuleInfo,
  type TargetInfo,
  type DeploymentTargetInfo,
} from './structure/project-structure';
export {
  readPackageSwift,
  type SwiftPackageManifest,
  type SwiftTarget,
  type SwiftPackageDependency,
} from './structure/swiftpm';
export {
  readGradleSettings,
  readGradleBuild,
  moduleDir,
  type GradleBuildInfo,
  type GradleDependency,
} from './structure/gradle';
export {
  readPbxproj,
  readXcscheme,
  readXcconfig,
  type XcodeProjectInfo,
  type XcodeTarget,
  type XcodeScheme,
  type XcodeShellScriptPhase,
  type XcodeBuildConfiguration,
} from './structure/xcode';
export { parseOpenStepPlist, PlistParseError, type PlistValue } from './structure/openstep-plist';
export { TestMap } from './structure/test-mapping';

export { readPackageResolved } from './dependencies/package-resolved';
export { readPodfileLock } from './dependencies/podfile-lock';
export { readPodfile } from './dependencies/podfile';
export { readVersionCatalog } from './dependencies/version-catalog';
export type { DependencyFile, DependencyPin } from './dependencies/types';

export {
  readDotStrings,
  readStringsXml,
  readXcstrings,
  type LocalizedEntry,
  type LocalizedTable,
} from './localization/catalogs';
export { placeholdersOf, placeholderMismatch, type FormatPlaceholder } from './localization/placeholders';

export type { ChangedFile, FileRule, RuleContext } from './rules/types';
export { previewLines, findUntested, type UntestedChange } from './rules/untested';

export {
  analyze,
  FILE_RULES,
  type AnalyzeInput,
  type AnalysisReport,
  type NotReviewedFile,
} from './analysis/analyze';
export { analysisInputs } from './analysis/inputs';
export { discoverCoverage } from './analysis/discover';
export {
  renderText,
  toJsonDocument,
  type AnalysisJsonDocument,
  type AnalysisJsonFinding,
} from './analysis/render';
