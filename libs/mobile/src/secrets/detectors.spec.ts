import { DETECTOR_FIXTURES } from './detector-fixtures';
import { SECRET_DETECTORS } from './detectors';
import { findSecrets } from './find-secrets';

describe('secret detectors, each with its own fixtures', () => {
  it('gives every detector found and clean fixtures, and no fixtures to a rule that does not exist', () => {
    const ids = SECRET_DETECTORS.map((d) => d.ruleId);
    expect(new Set(ids).size).toBe(ids.length);
    const missing = ids.filter(
      (id) => !DETECTOR_FIXTURES[id]?.found.length || !DETECTOR_FIXTURES[id]?.clean.length,
    );
    expect(missing).toEqual([]);
    expect(Object.keys(DETECTOR_FIXTURES).filter((id) => !ids.includes(id))).toEqual([]);
  });

  for (const [ruleId, fixtures] of Object.entries(DETECTOR_FIXTURES)) {
    describe(ruleId, () => {
      for (const c of fixtures.found) {
        it(`reports and redacts: ${c.name}`, () => {
          for (const purpose of ['report', 'redact'] as const) {
            const hits = findSecrets(c.text, { path: c.path, purpose }).filter((m) => m.ruleId === ruleId);
            expect({ purpose, values: hits.map((m) => c.text.slice(m.start, m.end)) }).toEqual({
              purpose,
              values: [c.secret],
            });
          }
        });
      }
      for (const c of fixtures.clean) {
        it(`does not report${c.redacted ? '' : ' or redact'}: ${c.name}`, () => {
          expect(
            findSecrets(c.text, { path: c.path, purpose: 'report' }).filter((m) => m.ruleId === ruleId),
          ).toEqual([]);
          if (!c.redacted)
            expect(
              findSecrets(c.text, { purpose: 'redact' }).map(
                (m) => `${m.ruleId}: ${c.text.slice(m.start, m.end)}`,
              ),
            ).toEqual([]);
        });
      }
    });
  }
});
