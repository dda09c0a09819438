import { parseJsonLenient } from './json-repair';
import { parseModelOutput, UnparseableOutputError } from './parse-output';

const finding = {
  file: 'A.swift',
  startLine: 3,
  endLine: 3,
  severity: 'major',
  category: 'bug',
  message: 'Force unwrap crashes',
  confidence: 0.9,
};

describe('parseJsonLenient', () => {
  it('reads valid JSON without repairs', () => {
    expect(parseJsonLenient(JSON.stringify({ findings: [finding] }))).toEqual({
      value: { findings: [finding] },
      repairs: [],
    });
  });

  it('unwraps a code fence with prose around it', () => {
    const out = parseJsonLenient(
      `Here is the review:\n\`\`\`json\n${JSON.stringify({ findings: [] })}\n\`\`\`\nThanks!`,
    );
    expect(out.value).toEqual({ findings: [] });
    expect(out.repairs).toContain('code-fence');
  });

  it('drops trailing commas, converts single quotes and quotes bare keys', () => {
    const out = parseJsonLenient(
      "{summary: 'it\\'s \"fine\"', findings: [{'file': 'A.swift', 'startLine': 3,},],}",
    );
    expect(out.value).toEqual({ summary: 'it\'s "fine"', findings: [{ file: 'A.swift', startLine: 3 }] });
    expect(out.repairs).toEqual(expect.arrayContaining(['trailing-comma', 'single-quotes', 'unquoted-keys']));
  });

  it('cuts a truncated tail back to the last complete value and closes the brackets', () => {
    const full = JSON.stringify({
      summary: 's',
      findings: [finding, { ...finding, startLine: 9, message: 'second finding is long' }],
    });
    const cut = full.slice(0, full.indexOf('second finding') + 6);
    const out = parseJsonLenient(cut);
    expect(out.repairs).toContain('truncated');
    const value = out.value as { findings: Array<Record<string, unknown>> };
    expect(value.findings[0]).toEqual(finding);
    // The partial message string is never kept.
    expect(value.findings[1]?.message).toBeUndefined();
  });

  it('does not keep a number that may have been cut', () => {
    const out = parseJsonLenient('{"findings": [], "confidence": 0.8, "count": 12');
    expect(out.value).toEqual({ findings: [], confidence: 0.8 });
  });

  it('rejects text with no JSON in it', () => {
    expect(() => parseJsonLenient('I approve this pull request.')).toThrow(/no JSON/);
  });
});

describe('parseModelOutput', () => {
  it('normalises severity synonyms, percentages and string numbers', () => {
    const out = parseModelOutput(
      'review',
      json({
        summary: 'x',
        confidence: 80,
        findings: [{ ...finding, severity: 'critical', startLine: '4', endLine: '5', confidence: 95 }],
      }),
    );
    expect(out.confidence).toBe(0.8);
    expect(out.findings[0]).toMatchObject({
      severity: 'blocker',
      startLine: 4,
      endLine: 5,
      confidence: 0.95,
    });
  });

  it('discards findings it cannot normalise and says why', () => {
    const out = parseModelOutput(
      'review',
      json({ summary: '', confidence: 1, findings: [finding, { file: 'A.swift', severity: 'whatever' }] }),
    );
    expect(out.findings).toHaveLength(1);
    expect(out.discarded[0]).toEqual({ item: 'findings[1]', reason: expect.stringContaining('message') });
  });

  it("prefers the gateway's structured output", () => {
    expect(
      parseModelOutput('review', {
        structured: { summary: 's', confidence: 1, findings: [finding] },
        text: 'garbage',
      }).findings,
    ).toHaveLength(1);
  });

  it('throws UnparseableOutputError for prose and for the wrong shape', () => {
    expect(() => parseModelOutput('review', { text: 'Looks good to me!' })).toThrow(UnparseableOutputError);
    expect(() => parseModelOutput('review', { text: '{"summary": "ok"}' })).toThrow(/no "findings" array/);
    expect(() => parseModelOutput('generation', { text: '{"summary": "ok", "findings": []}' })).toThrow(
      /no "files" array/,
    );
    try {
      parseModelOutput('review', { text: 'nope' });
    } catch (error) {
      expect((error as UnparseableOutputError).code).toBe('unparseable_output');
      expect((error as UnparseableOutputError).retryable).toBe(true);
    }
  });

  it('refuses proposed files outside the repository', () => {
    const out = parseModelOutput(
      'generation',
      json({
        summary: '',
        confidence: 1,
        files: [
          { path: '../../etc/passwd', content: 'x', purpose: 'p' },
          { path: 'Tests/ATests.swift', content: 'x', purpose: 'p' },
        ],
      }),
    );
    expect(out.files.map((f) => f.path)).toEqual(['Tests/ATests.swift']);
  });
});

function json(value: unknown) {
  return { text: JSON.stringify(value) };
}
