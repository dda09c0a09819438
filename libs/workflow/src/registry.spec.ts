import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from './diagnostics';
import { WorkflowRegistry, type WorkflowSnapshot } from './registry';
import { AGENTS_YML, PROVIDERS_YML } from './test-fixtures.test';

const workflow = (name: string) =>
  `name: ${name}\ntrigger:\n  event: pull_request\nagents: [code-review-agent]\n`;

/** Resolves with the next value a callback receives; rejects if none comes (a hung watch, not a timing check). */
function next<T>(): { promise: Promise<T>; push: (value: T) => void } {
  const waiting: Array<(value: T) => void> = [];
  const queued: T[] = [];
  return {
    push: (value) => (waiting.length ? waiting.shift()!(value) : queued.push(value)),
    get promise() {
      if (queued.length) return Promise.resolve(queued.shift()!);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reload was reported within 10 s')), 10_000);
        waiting.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
  };
}

describe('WorkflowRegistry', () => {
  let dir: string;
  let registry: WorkflowRegistry | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'af-registry-'));
  });
  afterEach(() => {
    registry?.close();
    registry = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a ConfigMap revision the way the kubelet does: a new timestamped folder, then an atomic `..data` symlink swap. */
  function configMapRevision(rev: string, files: Record<string, string>): void {
    const folder = join(dir, `..${rev}`);
    mkdirSync(folder);
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(folder, name), text);
      try {
        symlinkSync(join('..data', name), join(dir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    symlinkSync(`..${rev}`, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  }

  it('follows ConfigMap symlink swaps, swaps the set atomically, and keeps the last good set on a bad change', async () => {
    const changes = next<WorkflowSnapshot>();
    const rejections = next<Diagnostic[]>();
    configMapRevision('v1', {
      'providers.yml': PROVIDERS_YML,
      'agents.yml': AGENTS_YML,
      'review.yml': workflow('Review v1'),
    });
    registry = WorkflowRegistry.open({
      dir,
      debounceMs: 50,
      pollIntervalMs: 0,
      onChange: changes.push,
      onRejected: (d) => rejections.push(d),
    });
    const first = registry.current();
    expect(first.version).toBe(1);
    expect(first.project.plans.map((p) => [p.id, p.name])).toEqual([['review', 'Review v1']]);

    configMapRevision('v2', {
      'providers.yml': PROVIDERS_YML,
      'agents.yml': AGENTS_YML,
      'review.yml': workflow('Review v2'),
      'docs.yml': workflow('Docs'),
    });
    const second = await changes.promise;
    expect(second.version).toBe(2);
    expect(second.project.plans.map((p) => [p.id, p.name])).toEqual([
      ['docs', 'Docs'],
      ['review', 'Review v2'],
    ]);
    expect(registry.current()).toBe(second);
    // A run that started on v1 keeps v1's plan.
    expect(first.project.plans.map((p) => p.name)).toEqual(['Review v1']);

    configMapRevision('v3', {
      'providers.yml': PROVIDERS_YML,
      'agents.yml': AGENTS_YML,
      'review.yml': 'name: Broken\ntrigger:\n  event: pull_request\nagnets: []\n',
      'docs.yml': workflow('Docs'),
    });
    const problems = await rejections.promise;
    expect(problems).toContainEqual(
      expect.objectContaining({
        line: 4,
        col: 1,
        message: expect.stringContaining('did you mean `agents`?'),
      }),
    );
    expect(registry.current()).toBe(second);
    expect(registry.problems()).toBe(problems);

    configMapRevision('v4', {
      'providers.yml': PROVIDERS_YML,
      'agents.yml': AGENTS_YML,
      'review.yml': workflow('Review v4'),
      'docs.yml': workflow('Docs'),
    });
    const fourth = await changes.promise;
    expect(fourth.version).toBe(3);
    expect(fourth.project.plans.map((p) => p.name)).toEqual(['Docs', 'Review v4']);
  });

  it('picks up files edited in place and ignores touches that change nothing', async () => {
    const changes = next<WorkflowSnapshot>();
    writeFileSync(join(dir, 'providers.yml'), PROVIDERS_YML);
    writeFileSync(join(dir, 'review.yml'), workflow('One'));
    registry = WorkflowRegistry.open({ dir, debounceMs: 50, pollIntervalMs: 0, onChange: changes.push });
    expect(registry.reload().status).toBe('unchanged');
    writeFileSync(join(dir, 'review.yml'), workflow('Two'));
    expect((await changes.promise).project.plans[0].name).toBe('Two');
  });

  it('refuses to start on an invalid directory, listing the problems', () => {
    writeFileSync(join(dir, 'providers.yml'), PROVIDERS_YML);
    writeFileSync(
      join(dir, 'review.yml'),
      'name: X\ntrigger:\n  event: pull_reqest\nagents: [code-review-agent]\n',
    );
    expect(() => WorkflowRegistry.open({ dir, pollIntervalMs: 0 })).toThrow(
      /review\.yml:3:10: unknown event `pull_reqest`/,
    );
  });
});
