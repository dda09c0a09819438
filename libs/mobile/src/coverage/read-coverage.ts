import { parseCobertura } from './cobertura';
import { CoverageParseError } from './errors';
import { parseJacoco } from './jacoco';
import { parseLcov } from './lcov';
import type { CoverageFormat, CoverageReport } from './types';
import { parseXccov } from './xccov';

/** Which format a coverage file is in, by its content (file names vary by tool and CI). */
export function detectCoverageFormat(text: string): CoverageFormat | undefined {
  const head = text.slice(0, 4096).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return 'xccov';
  if (/<report[\s>]/.test(head) || head.includes('JACOCO//DTD')) return 'jacoco';
  if (/<coverage[\s>]/.test(head)) return 'cobertura';
  if (/^(TN:|SF:)/m.test(head)) return 'lcov';
  return undefined;
}

/** Reads a coverage report in any supported format. */
export function parseCoverage(text: string, format: CoverageFormat | undefined = detectCoverageFormat(text)): CoverageReport {
  switch (format) {
    case 'lcov':
      return parseLcov(text);
    case 'jacoco':
      return parseJacoco(text);
    case 'cobertura':
      return parseCobertura(text);
    case 'xccov':
      return parseXccov(text);
    default:
      throw new CoverageParseError('unrecognised coverage format: expected lcov, JaCoCo XML, Cobertura XML or xccov JSON');
  }
}
