/**
 * Reads a model's answer into typed output: repairs near-valid JSON, checks the top-level shape,
 * and normalises each finding (severity synonyms, percentages, string numbers). A finding that
 * cannot be normalised is discarded and counted with the reason; output that is not the expected
 * shape is an {@link UnparseableOutputError} (the coordinator retries the step).
 */
import { AgentflowError, SEVERITIES, type Severity } from '@agentflow/contracts';
import { JsonRepairError, parseJsonLenient, type Repair } from './json-repair';
import type { OutputShape } from './schemas';

/** The model's output could not be read as the agent's schema. The coordinator retries the step. */
export class UnparseableOutputError extends AgentflowError {
  readonly code = 'unparseable_output';
  readonly retryable = true;
  constructor(
    message: string,
    /** The first characters of the output, for the log. */
    readonly excerpt: string,
  ) {
    super(`${message}; retry the step (a new sample usually parses)`);
  }
}

export interface RawFinding {
  file: string;
  startLine: number;
  endLine: number;
  severity: Severity;
  category: string;
  message: string;
  confidence: number;
  suggestion?: { existing?: string; replacement: string; description?: string };
}

export interface RawFile {
  path: string;
  content: string;
  purpose: string;
}

export interface ModelOutput {
  summary: string;
  confidence: number;
  findings: RawFinding[];
  files: RawFile[];
  recheck: Array<{ fingerprint: string; status: 'open' | 'fixed' }>;
  repairs: Repair[];
  /** Items dropped while normalising, with why. */
  discarded: Array<{ item: string; reason: string }>;
}

const SEVERITY_SYNONYMS: Record<string, Severity> = {
  critical: 'blocker',
  blocker: 'blocker',
  fatal: 'blocker',
  error: 'major',
  high: 'major',
  major: 'major',
  warning: 'minor',
  medium: 'minor',
  moderate: 'minor',
  minor: 'minor',
  low: 'info',
  info: 'info',
  note: 'info',
  suggestion: 'info',
  nit: 'info',
};

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

function confidenceOf(value: unknown, fallback: number): number {
  const n = num(value);
  if (n === undefined) return fallback;
  const scaled = n > 1 && n <= 100 ? n / 100 : n;
  return Math.min(1, Math.max(0, scaled));
}

function normaliseFinding(
  raw: unknown,
  index: number,
  discarded: ModelOutput['discarded'],
): RawFinding | null {
  const label = `findings[${index}]`;
  if (!raw || typeof raw !== 'object') {
    discarded.push({ item: label, reason: 'not an object' });
    return null;
  }
  const r = raw as Record<string, unknown>;
  const file =
    typeof r.file === 'string'
      ? r.file
          .trim()
          .replace(/^\.\//, '')
          .replace(/^[ab]\//, '')
      : '';
  const message = typeof r.message === 'string' ? r.message.trim() : '';
  const start = num(r.startLine ?? r.line);
  const severity = SEVERITY_SYNONYMS[String(r.severity ?? '').toLowerCase()];
  const missing = [
    !file && 'file',
    !message && 'message',
    start === undefined && 'startLine',
    !severity && 'severity',
  ].filter(Boolean);
  if (missing.length) {
    discarded.push({ item: label, reason: `missing or invalid ${missing.join(', ')}` });
    return null;
  }
  const startLine = Math.max(0, Math.trunc(start!));
  const endLine = Math.max(startLine, Math.trunc(num(r.endLine) ?? startLine));
  const finding: RawFinding = {
    file,
    startLine,
    endLine,
    severity: (SEVERITIES as readonly string[]).includes(severity) ? severity : 'minor',
    category: typeof r.category === 'string' && r.category.trim() ? r.category.trim().toLowerCase() : 'other',
    message,
    confidence: confidenceOf(r.confidence, 0.5),
  };
  const s = r.suggestion;
  if (s && typeof s === 'object' && typeof (s as Record<string, unknown>).replacement === 'string') {
    const sug = s as Record<string, unknown>;
    finding.suggestion = {
      replacement: sug.replacement as string,
      existing: typeof sug.existing === 'string' ? sug.existing : undefined,
      description: typeof sug.description === 'string' ? sug.description : undefined,
    };
  } else if (typeof s === 'string' && s.length > 0) {
    finding.suggestion = { replacement: s };
  }
  return finding;
}

function normaliseFile(raw: unknown, index: number, discarded: ModelOutput['discarded']): RawFile | null {
  const r = (raw ?? {}) as Record<string, unknown>;
  if (typeof r.path !== 'string' || !r.path.trim() || typeof r.content !== 'string') {
    discarded.push({ item: `files[${index}]`, reason: 'missing path or content' });
    return null;
  }
  const path = r.path.trim().replace(/^\.?\//, '');
  if (path.split('/').includes('..')) {
    discarded.push({ item: `files[${index}]`, reason: `path ${path} leaves the repository` });
    return null;
  }
  return { path, content: r.content, purpose: typeof r.purpose === 'string' ? r.purpose : 'generated file' };
}

/**
 * Reads the output of one model call. `structured` is the gateway's parsed object when the
 * vendor returned valid structured output; otherwise `text` is repaired and parsed.
 */
export function parseModelOutput(
  shape: OutputShape,
  response: { structured?: Record<string, unknown>; text?: string },
): ModelOutput {
  let value: unknown = response.structured;
  let repairs: Repair[] = [];
  const text = response.text ?? '';
  if (value === undefined) {
    try {
      ({ value, repairs } = parseJsonLenient(text));
    } catch (error) {
      throw new UnparseableOutputError(
        `model output is not JSON: ${(error as JsonRepairError).message}`,
        text.slice(0, 200),
      );
    }
  }
  if (Array.isArray(value) && shape === 'review') value = { summary: '', confidence: 0.5, findings: value };
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UnparseableOutputError('model output is not a JSON object', text.slice(0, 200));
  }
  const v = value as Record<string, unknown>;
  const listKey = shape === 'review' ? 'findings' : 'files';
  if (!Array.isArray(v[listKey])) {
    throw new UnparseableOutputError(
      `model output has no "${listKey}" array`,
      (text || JSON.stringify(v)).slice(0, 200),
    );
  }
  const discarded: ModelOutput['discarded'] = [];
  const findings = (Array.isArray(v.findings) ? v.findings : [])
    .map((f, i) => normaliseFinding(f, i, discarded))
    .filter((f): f is RawFinding => f !== null);
  const files = (Array.isArray(v.files) ? v.files : [])
    .map((f, i) => normaliseFile(f, i, discarded))
    .filter((f): f is RawFile => f !== null);
  const recheck = (Array.isArray(v.recheck) ? v.recheck : [])
    .filter((r): r is Record<string, unknown> => !!r && typeof r === 'object')
    .filter((r) => typeof r.fingerprint === 'string' && (r.status === 'open' || r.status === 'fixed'))
    .map((r) => ({ fingerprint: r.fingerprint as string, status: r.status as 'open' | 'fixed' }));
  return {
    summary: typeof v.summary === 'string' ? v.summary : '',
    confidence: confidenceOf(v.confidence, 0.5),
    findings,
    files,
    recheck,
    repairs,
    discarded,
  };
}
