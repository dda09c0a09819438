import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../analysis/analyze';
import { directoryReader } from '../repo/repo-reader';
import { decodeText, MAX_TEXT_BYTES, tooLargeDetail } from './text-content';

describe('text, binary or too large', () => {
  const strings = '"login.title" = "Sign in";\n"api.key" = "secret";\n';

  it("reads UTF-16LE with a byte-order mark (Xcode's .strings)", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(strings, 'utf16le')]);
    expect(decodeText(bytes)).toEqual({ kind: 'text', text: strings, encoding: 'utf-16le' });
  });

  it('reads UTF-16BE with a byte-order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(strings, 'utf16le').swap16()]);
    expect(decodeText(bytes)).toEqual({ kind: 'text', text: strings, encoding: 'utf-16be' });
  });

  it('reads UTF-16LE without a byte-order mark', () => {
    expect(decodeText(Buffer.from(strings, 'utf16le'))).toMatchObject({ kind: 'text', text: strings });
  });

  it('strips a UTF-8 byte-order mark and keeps CRLF as it is', () => {
    expect(decodeText(Buffer.from('\ufeffa\r\nb\r\n', 'utf8'))).toEqual({
      kind: 'text',
      text: 'a\r\nb\r\n',
      encoding: 'utf-8',
    });
  });

  it('calls bytes with scattered NULs binary', () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x01,
      0x02, 0x03,
    ]);
    expect(decodeText(png)).toEqual({ kind: 'binary' });
  });

  it('calls a file over the limit too large, not binary, and says by how much', () => {
    expect(decodeText(Buffer.alloc(MAX_TEXT_BYTES + 1, 0x61))).toEqual({
      kind: 'too-large',
      bytes: MAX_TEXT_BYTES + 1,
    });
    expect(decodeText(Buffer.alloc(3 * 1024 * 1024, 0x61))).toMatchObject({ kind: 'text' });
    expect(tooLargeDetail(9.3 * 1024 * 1024)).toBe('too large: 9.3 MB (text is scanned up to 8 MB)');
    expect(tooLargeDetail(12 * 1024 * 1024)).toBe('too large: 12 MB (text is scanned up to 8 MB)');
    expect(tooLargeDetail(MAX_TEXT_BYTES + 1)).toBe('too large: 8.1 MB (text is scanned up to 8 MB)');
  });
});

describe('the analysis reads UTF-16 and large files as text', () => {
  // Built from parts so no scanner mistakes this test for a leak.
  const token = ['ghp', '_', 'R7mK2pQ9xW4vN8bT3cL6hJ1fD5sA0gY2eU7i'].join('');
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'af-text-content-'));
    mkdirSync(join(dir, 'App', 'en.lproj'), { recursive: true });
    const strings = `"login.title" = "Sign in";\n"github.token" = "${token}";\n`;
    writeFileSync(
      join(dir, 'App', 'en.lproj', 'Localizable.strings'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(strings, 'utf16le')]),
    );
    writeFileSync(join(dir, 'App', 'big.json'), Buffer.alloc(MAX_TEXT_BYTES + 1024, 0x20));
    writeFileSync(join(dir, 'App', 'config.json'), `${' '.repeat(3 * 1024 * 1024)}\n{"token": "${token}"}\n`);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a secret in a UTF-16 .strings file and in a 3 MB text file, and calls the 8 MB+ one too large', () => {
    const report = analyze({ repo: directoryReader(dir) });
    const secretFiles = report.findings
      .filter((f) => f.ruleId.startsWith('secret'))
      .map((f) => f.file)
      .sort();
    expect(secretFiles).toEqual(['App/config.json', 'App/en.lproj/Localizable.strings']);
    expect(report.notReviewed).toContainEqual({
      file: 'App/big.json',
      reason: 'too-large',
      detail: 'too large: 8.1 MB (text is scanned up to 8 MB)',
    });
    expect(report.notReviewed.filter((n) => n.reason === 'binary')).toEqual([]);
  });
});
