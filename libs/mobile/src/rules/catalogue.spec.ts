import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEVERITIES } from '@agentflow/contracts';
import { RULES } from './catalogue';

describe('rule catalogue', () => {
  it('gives every rule a known severity, a title and a fix', () => {
    for (const rule of RULES.values()) {
      expect(SEVERITIES).toContain(rule.severity);
      expect(rule.title.length).toBeGreaterThan(5);
      expect(rule.fix).toMatch(/\.$/);
    }
  });

  it('is documented in docs/analyzers.md with each rule’s severity', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'analyzers.md'), 'utf8');
    const undocumented = [...RULES.values()]
      .filter((r) => !doc.includes(`| \`${r.id}\` | ${r.severity} |`))
      .map((r) => r.id);
    expect(undocumented).toEqual([]);
  });
});
