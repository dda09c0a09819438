import { addedLineNumbers, diffPosition, newLineAtPosition, reconstructOld, sparseNewContent } from './lines';
import { DiffParseError, parseUnifiedDiff } from './parse-diff';

const GIT_DIFF = [
  'diff --git a/App/Login.swift b/App/Login.swift',
  'index 3b18e51..a9c2f4d 100644',
  '--- a/App/Login.swift',
  '+++ b/App/Login.swift',
  '@@ -1,4 +1,5 @@ import UIKit',
  ' import UIKit',
  '-let a = 1',
  '+let a = 2',
  '+let b = 3',
  ' ',
  ' struct Login {}',
  '@@ -10,3 +11,3 @@ struct Login {',
  ' func one() {}',
  '-func two() {}',
  '+func two() -> Int { 2 }',
  ' func three() {}',
  'diff --git a/Old Name.swift b/New Name.swift',
  'similarity index 92%',
  'rename from Old Name.swift',
  'rename to New Name.swift',
  'index 1111111..2222222 100644',
  '--- a/Old Name.swift',
  '+++ b/New Name.swift',
  '@@ -1 +1 @@',
  '-let x = 1',
  '\\ No newline at end of file',
  '+let x = 2',
  '\\ No newline at end of file',
  'diff --git a/Assets/logo.png b/Assets/logo.png',
  'new file mode 100644',
  'index 0000000..e69de29',
  'Binary files /dev/null and b/Assets/logo.png differ',
  'diff --git a/Gone.kt b/Gone.kt',
  'deleted file mode 100644',
  'index 5716ca5..0000000',
  '--- a/Gone.kt',
  '+++ /dev/null',
  '@@ -1,2 +0,0 @@',
  '-package gone',
  '-class Gone',
  'diff --git a/New.kt b/New.kt',
  'new file mode 100644',
  'index 0000000..5716ca5',
  '--- /dev/null',
  '+++ b/New.kt',
  '@@ -0,0 +1,2 @@',
  '+package new',
  '+class New',
  'diff --git a/script.sh b/script.sh',
  'old mode 100644',
  'new mode 100755',
  '',
].join('\n');

describe('parseUnifiedDiff', () => {
  const files = parseUnifiedDiff(GIT_DIFF);

  it('reads every file with its status', () => {
    expect(files.map((f) => [f.path, f.status, f.binary])).toEqual([
      ['App/Login.swift', 'modified', false],
      ['New Name.swift', 'renamed', false],
      ['Assets/logo.png', 'added', true],
      ['Gone.kt', 'deleted', false],
      ['New.kt', 'added', false],
      ['script.sh', 'modified', false],
    ]);
    expect(files[1]).toMatchObject({ oldPath: 'Old Name.swift', newPath: 'New Name.swift', similarity: 92 });
    expect(files[3]).toMatchObject({ oldPath: 'Gone.kt', newPath: null, deletions: 2 });
    expect(files[4]).toMatchObject({ oldPath: null, newPath: 'New.kt', additions: 2 });
    expect(files[5]).toMatchObject({ oldMode: '100644', newMode: '100755', hunks: [] });
  });

  it('numbers lines on both sides across hunks', () => {
    const [login] = files;
    expect(login!.hunks).toHaveLength(2);
    expect(login!.hunks[0]!.section).toBe('import UIKit');
    expect(addedLineNumbers(login!)).toEqual([2, 3, 12]);
    const deleted = login!.hunks.flatMap((h) =>
      h.lines.filter((l) => l.kind === 'delete').map((l) => l.oldLine),
    );
    expect(deleted).toEqual([2, 11]);
  });

  it('marks lines followed by "No newline at end of file"', () => {
    const lines = files[1]!.hunks[0]!.lines;
    expect(lines.map((l) => [l.kind, l.noNewlineAtEnd ?? false])).toEqual([
      ['delete', true],
      ['add', true],
    ]);
  });

  it('reads plain diff -u output without git headers', () => {
    const [file] = parseUnifiedDiff(
      '--- a.swift\t2024-01-01 10:00:00\n+++ b.swift\t2024-01-02 10:00:00\n@@ -1 +1,2 @@\n x\n+y\n',
    );
    expect(file).toMatchObject({ oldPath: 'a.swift', newPath: 'b.swift', additions: 1 });
  });

  it('reads quoted paths', () => {
    const [file] = parseUnifiedDiff(
      'diff --git "a/caf\\303\\251.swift" "b/caf\\303\\251.swift"\n--- "a/caf\\303\\251.swift"\n+++ "b/caf\\303\\251.swift"\n@@ -1 +1 @@\n-a\n+b\n',
    );
    expect(file!.path).toBe('café.swift');
  });

  it('rejects a truncated hunk with the line number', () => {
    expect(() => parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n')).toThrow(DiffParseError);
  });
  it('keeps a patch GitHub cut short at the end, with the lines it has, when asked to', () => {
    const [file] = parseUnifiedDiff(
      'diff --git a/x.swift b/x.swift\n--- a/x.swift\n+++ b/x.swift\n@@ -1,10 +1,11 @@\n a\n+b\n c\n',
      { truncatedHunks: 'keep' },
    );
    expect(file).toMatchObject({ path: 'x.swift', patch: 'truncated', additions: 1 });
    expect(file!.hunks[0]).toMatchObject({
      oldLines: 2,
      newLines: 3,
      truncated: { oldMissing: 8, newMissing: 8 },
    });
    expect(file!.hunks[0]!.lines.map((l) => l.newLine)).toEqual([1, 2, 3]);
  });

  it('keeps a hunk cut short in the middle of a diff and reads the next file whole', () => {
    const text =
      'diff --git a/x.swift b/x.swift\n--- a/x.swift\n+++ b/x.swift\n@@ -1,7 +1,7 @@\n a\n-b\n+B\n' +
      'diff --git a/y.swift b/y.swift\n--- a/y.swift\n+++ b/y.swift\n@@ -1 +1 @@\n-y\n+Y\n';
    const [x, y] = parseUnifiedDiff(text, { truncatedHunks: 'keep' });
    expect(x).toMatchObject({ patch: 'truncated', additions: 1, deletions: 1 });
    expect(y).toMatchObject({ path: 'y.swift', additions: 1, deletions: 1 });
    expect(y!.patch).toBeUndefined();
  });

  it('reads CRLF patches the same as LF ones', () => {
    const lf = parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
    const crlf = parseUnifiedDiff('--- a/x\r\n+++ b/x\r\n@@ -1,2 +1,2 @@\r\n a\r\n-b\r\n+c\r\n');
    expect(crlf).toEqual(lf);
  });
});

describe('diff positions', () => {
  const [login] = parseUnifiedDiff(GIT_DIFF);
  it.each([
    [1, 1], // context under the first @@
    [2, 3], // after the deleted line at position 2
    [3, 4],
    [5, 6],
    [11, 8], // the second @@ header takes position 7
    [12, 10],
    [13, 11],
  ])('new line %i is at position %i', (line, position) => {
    expect(diffPosition(login!, line)).toBe(position);
    expect(newLineAtPosition(login!, position)).toBe(line);
  });

  it('has no position for a line outside the hunks', () => {
    expect(diffPosition(login!, 8)).toBeUndefined();
  });

  it('counts a "No newline" marker as a position', () => {
    const renamed = parseUnifiedDiff(GIT_DIFF)[1]!;
    expect(diffPosition(renamed, 1)).toBe(3);
  });
});

describe('reconstructing sides', () => {
  const [login] = parseUnifiedDiff(GIT_DIFF);
  const newContent = [
    'import UIKit',
    'let a = 2',
    'let b = 3',
    '',
    'struct Login {}',
    'l6',
    'l7',
    'l8',
    'l9',
    'l10',
    'func one() {}',
    'func two() -> Int { 2 }',
    'func three() {}',
    '',
  ].join('\n');

  it('undoes the hunks to get the old file', () => {
    const old = reconstructOld(login!, newContent)!.split('\n');
    expect(old.slice(0, 3)).toEqual(['import UIKit', 'let a = 1', '']);
    expect(old[10]).toBe('func two() {}');
  });

  it('refuses when the working tree is not the diff new side', () => {
    expect(reconstructOld(login!, newContent.replace('let b = 3', 'let b = 4'))).toBeUndefined();
  });

  it('keeps line numbers in a sparse new file', () => {
    const sparse = sparseNewContent(login!).split('\n');
    expect(sparse[2]).toBe('let b = 3');
    expect(sparse[7]).toBe('');
    expect(sparse[11]).toBe('func two() -> Int { 2 }');
  });
});
