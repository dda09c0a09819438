import { PermanentError } from '@agentflow/contracts';

/** A coverage or SARIF report could not be read. Regenerate it with the tool named in the message. */
export class ReportParseError extends PermanentError {
  override readonly code = 'report_unparseable';
}

/** A coverage report could not be read; not retried, the file itself is wrong. */
export class CoverageParseError extends ReportParseError {}
