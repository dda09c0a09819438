/** Output instructions shared by the templates. */
export const REVIEW_OUTPUT =
  'Answer with one JSON object only, matching the response schema: {"summary": string, "confidence": number 0..1, "findings": [{"file", "startLine", "endLine", "severity": "blocker"|"major"|"minor"|"info", "category", "message", "confidence", "suggestion"?: {"existing", "replacement", "description"?}}], "recheck"?: [{"fingerprint", "status": "open"|"fixed"}]}. ' +
  'An empty findings list is a valid answer when the change is fine. Use "blocker" only for crashes, data loss, security holes and broken builds.';

export const GENERATION_OUTPUT =
  'Answer with one JSON object only, matching the response schema: {"summary": string, "confidence": number 0..1, "files": [{"path", "content", "purpose"}], "findings"?: [...]}. ' +
  'Each file is complete (no placeholders, no elisions) and its path is repository-relative.';
