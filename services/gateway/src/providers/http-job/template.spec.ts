import { compileJsonPath, readJsonPath } from './json-path';
import { renderTemplate, renderUrl } from './template';

describe('renderTemplate', () => {
  const values = {
    prompt: 'Run the smoke suite',
    input: { app: 'com.acme', retries: 2, tags: ['smoke'] },
    repository: undefined,
  };

  it('keeps the type of a whole placeholder, inserts text into longer strings, drops missing whole values', () => {
    expect(
      renderTemplate(
        {
          retries: '{{input.retries}}',
          tags: '{{ input.tags }}',
          title: 'App {{input.app}}: {{prompt}}',
          repo: '{{repository}}',
          note: 'repo={{repository}}',
        },
        values,
      ),
    ).toEqual({ retries: 2, tags: ['smoke'], title: 'App com.acme: Run the smoke suite', note: 'repo=' });
  });

  it('escapes inserted values in URLs but not the base URL', () => {
    expect(renderUrl('{{baseUrl}}/runs/{{jobId}}', { baseUrl: 'http://h:1/api', jobId: 'a/b c' })).toBe(
      'http://h:1/api/runs/a%2Fb%20c',
    );
  });
});

describe('JSON paths', () => {
  const answer = { run: { id: 'r1', steps: [{ name: 'boot' }, { name: 'login' }] }, 'odd key': 7 };

  it('reads names, indexes and quoted names', () => {
    expect(readJsonPath(answer, compileJsonPath('$.run.id'))).toBe('r1');
    expect(readJsonPath(answer, compileJsonPath('$.run.steps[1].name'))).toBe('login');
    expect(readJsonPath(answer, compileJsonPath("$['odd key']"))).toBe(7);
    expect(readJsonPath(answer, compileJsonPath('$.run.missing.deeper'))).toBeUndefined();
  });

  it('refuses what it cannot read, naming the position', () => {
    expect(() => compileJsonPath('$.run..id')).toThrow(/position 5/);
    expect(() => compileJsonPath('$.steps[*]')).toThrow(/position 7/);
  });
});
