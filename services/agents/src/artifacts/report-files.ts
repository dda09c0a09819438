/**
 * The reports a step reads (SARIF for lint, coverage for the coverage agent), from wherever they
 * are: CI uploads in the object store by reference (`task.ciArtifacts`), files on this machine
 * (`agentflow review --sarif FILE`: `task.artifacts`), or files committed at the head commit
 * (the step's `sarif:` / `coverage:` option). A report that cannot be read is named as not
 * reviewed with why, never dropped.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import {
  describeError,
  type BodyRef,
  type CiArtifactKind,
  type CiArtifactRef,
  type NotReviewed,
  type Topology,
} from '@agentflow/contracts';
import type { MessageBus, ObjectStore } from '@agentflow/bus';
import type { AgentEnv } from '../agents/agent';

/** Reads CI reports by reference; the object store checks each body's sha256 and size. */
export interface CiArtifactStore {
  read(artifact: CiArtifactRef): Promise<Uint8Array>;
}

/** The CI reports in the bus's object store (`<prefix>_objects`), where the ingress put them. */
export class BusCiArtifactStore implements CiArtifactStore {
  private store?: Promise<ObjectStore>;

  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
  ) {}

  async read(artifact: CiArtifactRef): Promise<Uint8Array> {
    this.store ??= this.bus.objects(this.topology.buckets.objects).catch((error: unknown) => {
      this.store = undefined;
      throw error;
    });
    const ref: BodyRef = { ref: artifact.ref, sha256: artifact.sha256, size: artifact.size };
    return (await this.store).get(ref);
  }
}

/** What a step is looking for. */
export interface ReportQuery {
  /** The CI artifact kind that holds it. */
  kind: Exclude<CiArtifactKind, 'other'>;
  /** File names a local path or committed file must have to count as one. */
  names: RegExp;
  /** Paths at the head commit the step's options name (`sarif:`, `coverage:`). */
  committed: readonly string[];
  /** For messages: `SARIF report`, `coverage report`. */
  label: string;
}

export interface ReportFiles {
  /** Each report read, with where it came from (`ci:detekt.sarif`, a path). */
  reports: Array<{ source: string; text: string }>;
  unreadable: NotReviewed[];
}

/** Every report of one kind the task names, read. */
export async function readReports(
  env: Pick<AgentEnv, 'task' | 'repo' | 'ciArtifacts'>,
  query: ReportQuery,
): Promise<ReportFiles> {
  const out: ReportFiles = { reports: [], unreadable: [] };
  for (const artifact of env.task.ciArtifacts ?? []) {
    // `other` uploads are for steps that ask for them by name; the name decides for those.
    if (artifact.kind !== query.kind && !(artifact.kind === 'other' && query.names.test(artifact.name)))
      continue;
    const source = `ci:${artifact.name}`;
    if (!env.ciArtifacts) {
      out.unreadable.push({
        file: source,
        reason: 'artifact-unreadable',
        detail: `this agents service has no object store to read CI ${query.label}s from (${artifact.ref})`,
      });
      continue;
    }
    try {
      out.reports.push({ source, text: Buffer.from(await env.ciArtifacts.read(artifact)).toString('utf8') });
    } catch (error) {
      out.unreadable.push({
        file: source,
        reason: 'artifact-unreadable',
        detail: `CI ${query.label} ${artifact.ref} could not be read from the object store (${describeError(error)}); upload it again with the run`,
      });
    }
  }
  const paths = [...(env.task.artifacts ?? []), ...query.committed].filter((a) => query.names.test(a));
  for (const path of [...new Set(paths)]) {
    const text = isAbsolute(path)
      ? await readFile(path, 'utf8').catch(() => null)
      : await env.repo.readHead(path);
    if (text === null)
      out.unreadable.push({
        file: path,
        reason: 'artifact-unreadable',
        detail: `${query.label} not found at the head commit or on disk`,
      });
    else out.reports.push({ source: path, text });
  }
  return out;
}
