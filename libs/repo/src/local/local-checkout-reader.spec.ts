import { FixtureRepo } from '../testing/fixture-repo';
import { GitCheckoutReader } from './local-checkout-reader';

describe('GitCheckoutReader', () => {
  const repo = new FixtureRepo({ 'A.swift': 'let a = 1\n', 'img.bin': 'x\u0000y' });
  afterAll(() => repo.remove());

  it('reads files at a commit through one batch process, across idle restarts', async () => {
    const reader = new GitCheckoutReader(repo.root);
    const head = repo.head();
    const reads = await Promise.all([
      reader.readFile('A.swift', head),
      reader.readFile('missing.swift', head),
      reader.readFile('img.bin', head),
      reader.readFile('A.swift', head),
    ]);
    expect(reads).toEqual(['let a = 1\n', null, null, 'let a = 1\n']);
    // After the batch process was closed, the next read starts a new one and is not failed by the old one exiting.
    reader.close();
    const again = await Promise.all([reader.readFile('A.swift', head), reader.readFile('A.swift', head)]);
    expect(again).toEqual(['let a = 1\n', 'let a = 1\n']);
    reader.close();
  });

  it('lists files, diffs commits and finds references', async () => {
    const reader = new GitCheckoutReader(repo.root);
    const base = repo.head();
    const head = repo.commit({ 'B.swift': 'let b = a\n' });
    expect(await reader.listFiles(head)).toEqual(['A.swift', 'B.swift', 'img.bin']);
    expect((await reader.diff(base, head)).map((f) => [f.path, f.status])).toEqual([['B.swift', 'added']]);
    expect(await reader.findReferences('let b', head, 5)).toEqual(['B.swift']);
    await expect(reader.diff('--output=/tmp/x', head)).rejects.toThrow(/not a commit reference/);
    reader.close();
  });
});
