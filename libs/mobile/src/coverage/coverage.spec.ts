import { describeSamples, readFixture, readSample } from '../testing/samples';
import { CoverageIndex } from './coverage-index';
import { CoverageParseError } from './errors';
import { detectCoverageFormat, parseCoverage } from './read-coverage';

describe('coverage reports (own fixtures)', () => {
  it.each([
    ['reports/lcov.info', 'lcov'],
    ['reports/jacoco.xml', 'jacoco'],
    ['reports/cobertura.xml', 'cobertura'],
    ['reports/xccov-report.json', 'xccov'],
    ['reports/xccov-archive.json', 'xccov'],
  ])('detects %s as %s', (file, format) => {
    expect(detectCoverageFormat(readFixture(file))).toBe(format);
  });

  it('reads lcov lines and functions', () => {
    const report = parseCoverage(readFixture('reports/lcov.info'));
    expect(report.files.map((f) => [f.path.split('/').pop(), f.linesFound, f.linesHit])).toEqual([
      ['CartViewModel.swift', 6, 3],
      ['Money.swift', 2, 2],
    ]);
    expect(report.files[0]!.functions).toEqual([
      { name: '$s8Checkout13CartViewModelC5totalSivg', line: 12, hits: 4 },
      { name: '$s8Checkout13CartViewModelC3add4itemyAA4ItemV_tF', line: 20, hits: 0 },
    ]);
  });

  it('reads JaCoCo per line with package paths', () => {
    const [file] = parseCoverage(readFixture('reports/jacoco.xml')).files;
    expect(file!.path).toBe('com/acme/shop/cart/CartRepository.kt');
    expect(file!.lines).toEqual([
      { line: 7, hits: 3 },
      { line: 10, hits: 5 },
      { line: 11, hits: 4 },
      { line: 15, hits: 0 },
    ]);
    expect(file!.functions.map((f) => [f.name, f.hits])).toEqual([
      ['<init>', 1],
      ['add', 1],
      ['clear', 0],
    ]);
  });

  it('reads Cobertura per line', () => {
    const [file] = parseCoverage(readFixture('reports/cobertura.xml')).files;
    expect(file).toMatchObject({ path: 'Legacy/ACMESession.m', linesFound: 6, linesHit: 4 });
  });

  it('reads the xccov report per function and the archive per line', () => {
    const [summary] = parseCoverage(readFixture('reports/xccov-report.json')).files;
    expect(summary).toMatchObject({ granularity: 'function', linesFound: 15, linesHit: 9 });
    const [lines] = parseCoverage(readFixture('reports/xccov-archive.json')).files;
    expect(lines!.lines).toEqual([
      { line: 8, hits: 3 },
      { line: 9, hits: 3 },
      { line: 20, hits: 1 },
      { line: 30, hits: 0 },
      { line: 31, hits: 0 },
    ]);
  });

  it.each([
    ['lcov', 'SF:/a.swift\nDA:1,1\n'],
    ['lcov', 'DA:1,1\nend_of_record\n'],
    ['jacoco', '<report><package'],
    ['cobertura', '<notcoverage/>'],
    ['xccov', '{"targets": '],
    ['xccov', '{"x": 1}'],
  ] as const)('rejects a damaged %s report', (format, text) => {
    expect(() => parseCoverage(text, format)).toThrow(CoverageParseError);
  });
});

describe('CoverageIndex', () => {
  const index = new CoverageIndex([
    parseCoverage(readFixture('reports/lcov.info')),
    parseCoverage(readFixture('reports/jacoco.xml')),
    parseCoverage(readFixture('reports/xccov-report.json')),
  ]);

  it.each([
    ['Sources/Checkout/CartViewModel.swift', 13, 'covered'],
    ['Sources/Checkout/CartViewModel.swift', 21, 'uncovered'],
    ['Sources/Checkout/CartViewModel.swift', 16, 'not-executable'],
    ['app/src/main/java/com/acme/shop/cart/CartRepository.kt', 15, 'uncovered'],
    ['app/src/main/java/com/acme/shop/cart/CartRepository.kt', 11, 'covered'],
    ['ShopApp/Checkout/CheckoutView.swift', 22, 'covered'],
    ['ShopApp/Checkout/CheckoutView.swift', 33, 'uncovered'],
    ['ShopApp/Checkout/Unknown.swift', 1, 'unknown'],
  ])('%s:%i is %s', (path, line, state) => {
    expect(index.lineState(path, line)).toBe(state);
  });

  it('refuses to guess between files that share only a name', () => {
    const ambiguous = new CoverageIndex([parseCoverage('SF:/ci/A/Utils.swift\nDA:1,1\nend_of_record\nSF:/ci/B/Utils.swift\nDA:1,0\nend_of_record\n')]);
    expect(ambiguous.fileFor('C/Utils.swift')).toBeUndefined();
    expect(ambiguous.fileFor('x/B/Utils.swift')?.path).toBe('/ci/B/Utils.swift');
  });
});

describeSamples('coverage reports', () => {
  it('reads the real llvm-cov lcov export', () => {
    const report = parseCoverage(readSample('lcov.info'));
    expect(report.files).toHaveLength(13);
    expect(report.files.every((f) => f.path.endsWith('.swift') && f.linesFound > 0)).toBe(true);
    expect(report.files.some((f) => f.functions.some((fn) => fn.name.startsWith('$s')))).toBe(true);
  });

  it('reads the real JaCoCo report', () => {
    const report = parseCoverage(readSample('jacocoTestReport.xml'));
    const vm = report.files.find((f) => f.path === 'com/madrapps/playground/MainViewModel.kt')!;
    expect(vm.lines.map((l) => [l.line, l.hits > 0])).toEqual([
      [5, true],
      [8, true],
      [12, false],
      [16, false],
    ]);
    expect(report.files.length).toBeGreaterThanOrEqual(4);
  });

  it('reads the real Slather Cobertura report and its totals agree', () => {
    const text = readSample('slather-cobertura.xml');
    const report = parseCoverage(text);
    const found = report.files.reduce((n, f) => n + f.linesFound, 0);
    const hit = report.files.reduce((n, f) => n + f.linesHit, 0);
    expect([hit, found]).toEqual([60, 80]);
  });

  it('reads the real xccov report and its totals agree', () => {
    const text = readSample('xccov-report.json');
    const report = parseCoverage(text);
    const doc = JSON.parse(text) as { coveredLines: number; executableLines: number };
    expect(report.files.reduce((n, f) => n + f.linesHit, 0)).toBe(doc.coveredLines);
    expect(report.files.reduce((n, f) => n + f.linesFound, 0)).toBe(doc.executableLines);
  });
});
