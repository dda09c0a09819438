/**
 * The JSON Schemas sent to the gateway as the response schema (tool use / json_schema). Two
 * shapes: review output (findings) and generation output (files plus findings).
 */
import { SEVERITIES } from '@agentflow/contracts';

const suggestion = {
  type: 'object',
  required: ['existing', 'replacement'],
  properties: {
    existing: { type: 'string', description: 'The current text of lines startLine..endLine, exactly.' },
    replacement: { type: 'string', description: 'The full new text for those lines.' },
    description: { type: 'string' },
  },
};

export const FINDING_SCHEMA = {
  type: 'object',
  required: ['file', 'startLine', 'endLine', 'severity', 'category', 'message', 'confidence'],
  properties: {
    file: { type: 'string' },
    startLine: { type: 'integer', minimum: 0 },
    endLine: { type: 'integer', minimum: 0 },
    severity: { type: 'string', enum: [...SEVERITIES] },
    category: {
      type: 'string',
      description:
        'bug, security, privacy, performance, concurrency, memory, style, testing, docs, architecture, maintainability',
    },
    message: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    suggestion,
  },
};

const RECHECK_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['fingerprint', 'status'],
    properties: { fingerprint: { type: 'string' }, status: { type: 'string', enum: ['open', 'fixed'] } },
  },
};

export const REVIEW_OUTPUT_SCHEMA = {
  type: 'object',
  required: ['summary', 'confidence', 'findings'],
  properties: {
    summary: { type: 'string' },
    confidence: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: 'How sure you are of the review as a whole.',
    },
    findings: { type: 'array', items: FINDING_SCHEMA },
    recheck: RECHECK_SCHEMA,
  },
};

export const GENERATION_OUTPUT_SCHEMA = {
  type: 'object',
  required: ['summary', 'confidence', 'files'],
  properties: {
    summary: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'content', 'purpose'],
        properties: { path: { type: 'string' }, content: { type: 'string' }, purpose: { type: 'string' } },
      },
    },
    findings: { type: 'array', items: FINDING_SCHEMA },
  },
};

export type OutputShape = 'review' | 'generation';

export function schemaFor(shape: OutputShape): { name: string; schema: Record<string, unknown> } {
  return shape === 'review'
    ? { name: 'review_result', schema: REVIEW_OUTPUT_SCHEMA }
    : { name: 'generation_result', schema: GENERATION_OUTPUT_SCHEMA };
}
