/** Coverage reports handed to the task (CI artifacts, or report files committed at head). */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { NotReviewed } from '@agentflow/contracts';
import type { AgentEnv } from '../agent';

const COVERAGE = /(\.info|lcov[^/]*|jacoco[^/]*\.xml|cobertura[^/]*\.xml|coverage[^/]*\.(xml|json)|xccov[^/]*\.json)$/i;

export async function readCoverageArtifacts(env: AgentEnv): Promise<{ texts: string[]; read: string[]; unreadable: NotReviewed[] }> {
  const paths = [...(env.task.artifacts ?? []), ...(((env.step.options ?? {}) as { coverage?: string[] }).coverage ?? [])].filter((a) => COVERAGE.test(a));
  const texts: string[] = [];
  const read: string[] = [];
  const unreadable: NotReviewed[] = [];
  for (const path of [...new Set(paths)]) {
    const text = isAbsolute(path) ? await readFile(path, 'utf8').catch(() => null) : await env.repo.readHead(path);
    if (text === null) unreadable.push({ file: path, reason: 'artifact-unreadable', detail: 'coverage report not found at the head commit or on disk' });
    else {
      texts.push(text);
      read.push(path);
    }
  }
  return { texts, read, unreadable };
}
