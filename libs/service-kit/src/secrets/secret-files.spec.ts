import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretFiles, isSecretVariable, secretFileName } from './secret-files';

/**
 * Lays a directory out as the kubelet does for a projected Secret: the files are symlinks into
 * a timestamped folder reached through `..data`, and a rotation swaps `..data` atomically.
 */
function kubeletDir(values: Record<string, string>): {
  dir: string;
  rotate(next: Record<string, string>): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'af-secrets-'));
  let generation = 0;
  const write = (next: Record<string, string>) => {
    const folder = `..2026_12_07_${generation++}`;
    mkdirSync(join(dir, folder));
    for (const [k, v] of Object.entries(next)) writeFileSync(join(dir, folder, k), v);
    symlinkSync(folder, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const k of Object.keys(next)) {
      try {
        symlinkSync(join('..data', k), join(dir, k));
      } catch {
        // already linked through ..data
      }
    }
  };
  write(values);
  return { dir, rotate: write };
}

describe('SecretFiles', () => {
  it('fills every secret variable the environment leaves unset from its mounted file', () => {
    const { dir } = kubeletDir({
      'database-url': 'postgres://a:b@db/af\n',
      'github-webhook-secret': 's3cret',
      'slack-bot-token': 'xoxb-1',
    });
    const env = new SecretFiles({
      AGENTFLOW_SECRETS_DIR: dir,
      SLACK_BOT_TOKEN: 'xoxb-from-env',
    }).resolveEnv();
    expect(env.DATABASE_URL).toBe('postgres://a:b@db/af');
    expect(env.GITHUB_WEBHOOK_SECRET).toBe('s3cret');
    // The environment wins: nothing changes for a deployment that sets variables there.
    expect(env.SLACK_BOT_TOKEN).toBe('xoxb-from-env');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads NAME_FILE for any secret variable, not only the vendor keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'af-secrets-'));
    writeFileSync(join(dir, 'token.txt'), 'glpat-abc');
    const secrets = new SecretFiles({
      GITLAB_TOKEN_FILE: join(dir, 'token.txt'),
      AGENTFLOW_SECRETS_DIR: join(dir, 'none'),
    });
    expect(secrets.resolveEnv().GITLAB_TOKEN).toBe('glpat-abc');
    expect(secrets.origin('GITLAB_TOKEN')).toEqual({ kind: 'file', path: join(dir, 'token.txt') });
    rmSync(dir, { recursive: true, force: true });
  });

  it('never lets a mounted file set configuration such as NODE_OPTIONS or PORT', () => {
    const { dir } = kubeletDir({
      'node-options': '--require /tmp/evil.js',
      port: '1',
      'openai-api-key': 'sk-x',
    });
    const env = new SecretFiles({ AGENTFLOW_SECRETS_DIR: dir }).resolveEnv();
    expect(env.NODE_OPTIONS).toBeUndefined();
    expect(env.PORT).toBeUndefined();
    expect(env.OPENAI_API_KEY).toBe('sk-x');
    expect(isSecretVariable('NODE_OPTIONS')).toBe(false);
    expect(isSecretVariable('GITHUB_APP_PRIVATE_KEY')).toBe(true);
    expect(secretFileName('GITHUB_APP_PRIVATE_KEY')).toBe('github-app-private-key');
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees a rotation done the way the kubelet does it, and says which variables changed', () => {
    const mounted = kubeletDir({ 'github-webhook-secret': 'old', 'database-url': 'postgres://db/af' });
    const secrets = new SecretFiles({ AGENTFLOW_SECRETS_DIR: mounted.dir });
    expect(secrets.get('GITHUB_WEBHOOK_SECRET')).toBe('old');
    expect(secrets.get('DATABASE_URL')).toBe('postgres://db/af');
    const seen: string[][] = [];
    const stop = secrets.watch(0, (variables) => seen.push(variables));

    mounted.rotate({ 'github-webhook-secret': 'new', 'database-url': 'postgres://db/af' });
    expect(secrets.poll()).toEqual(['GITHUB_WEBHOOK_SECRET']);
    expect(seen).toEqual([['GITHUB_WEBHOOK_SECRET']]);
    expect(secrets.get('GITHUB_WEBHOOK_SECRET')).toBe('new');
    // Nothing changed since: no second notice.
    expect(secrets.poll()).toEqual([]);
    stop();
    rmSync(mounted.dir, { recursive: true, force: true });
  });

  it('treats an empty or missing file as no value', () => {
    const { dir } = kubeletDir({ 'gitlab-token': '  \n' });
    const secrets = new SecretFiles({ AGENTFLOW_SECRETS_DIR: dir });
    expect(secrets.get('GITLAB_TOKEN')).toBeUndefined();
    expect(secrets.get('SLACK_WEBHOOK_URL')).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});
