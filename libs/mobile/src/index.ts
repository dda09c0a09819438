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
