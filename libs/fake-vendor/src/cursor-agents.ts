/**
 * Cursor cloud agents API v0 on the fake vendor: `POST /v0/agents`, `GET /v0/agents/{id}`,
 * `POST /v0/agents/{id}/stop`, `DELETE /v0/agents/{id}`. Each launched agent follows a script: a
 * list of statuses, one per status read (so "delays" are counted in polls and tests never sleep),
 * then the summary and target it ends with.
 */
import { randomBytes } from 'node:crypto';
import type { JobRouteAnswer } from './job-routes';

export type CursorStatus = 'CREATING' | 'RUNNING' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'STOPPED';

export interface CursorAgentScript {
  /** Status shown at launch and then at each read, the last one repeated. @default ['CREATING', 'RUNNING', 'FINISHED'] */
  statuses?: CursorStatus[];
  /** @default 'Simulated agent finished: <prompt head>' */
  summary?: string;
  /** Branch the agent "pushed". @default cursor/<agent id> */
  branchName?: string;
  prUrl?: string;
  /** Answer the launch with this HTTP error instead. */
  launchStatus?: number;
}

interface FakeAgent {
  id: string;
  body: Record<string, unknown>;
  script: CursorAgentScript;
  reads: number;
  stopped: boolean;
  createdAt: string;
}

export class FakeCursorAgents {
  private readonly scripts: CursorAgentScript[] = [];
  private readonly agents = new Map<string, FakeAgent>();
  /** Launch bodies as received, in order. */
  readonly launches: Array<Record<string, unknown>> = [];
  /** Status reads served per agent id. */
  reads(id: string): number {
    return this.agents.get(id)?.reads ?? 0;
  }

  /** Scripts for the next launches, in order; later launches use the default script. */
  enqueue(...scripts: CursorAgentScript[]): this {
    this.scripts.push(...scripts);
    return this;
  }

  stopped(id: string): boolean {
    return this.agents.get(id)?.stopped ?? false;
  }

  reset(): void {
    this.scripts.length = 0;
    this.agents.clear();
    this.launches.length = 0;
  }

  route(method: string, path: string, body: Record<string, unknown>): JobRouteAnswer | null {
    if (!path.startsWith('/v0/agents')) return null;
    if (method === 'POST' && path === '/v0/agents') return this.launch(body);
    const m = /^\/v0\/agents\/([^/]+)(\/stop)?$/.exec(path);
    if (!m) return null;
    const agent = this.agents.get(decodeURIComponent(m[1]));
    if (!agent) return { status: 404, json: { error: `agent ${m[1]} not found` } };
    if (method === 'GET' && !m[2]) {
      agent.reads += 1;
      return { status: 200, json: this.view(agent) };
    }
    if ((method === 'POST' && m[2]) || (method === 'DELETE' && !m[2])) {
      agent.stopped = true;
      return { status: 200, json: { id: agent.id } };
    }
    return null;
  }

  private launch(body: Record<string, unknown>): JobRouteAnswer {
    const script = this.scripts.shift() ?? {};
    if (script.launchStatus)
      return {
        status: script.launchStatus,
        json: { error: `simulated launch failure ${script.launchStatus}` },
      };
    const prompt = (body.prompt as { text?: unknown } | undefined)?.text;
    const source = body.source as { repository?: unknown } | undefined;
    if (typeof prompt !== 'string' || typeof source?.repository !== 'string') {
      return { status: 400, json: { error: 'prompt.text and source.repository are required' } };
    }
    this.launches.push(body);
    const agent: FakeAgent = {
      id: `bc_${randomBytes(6).toString('hex')}`,
      body,
      script,
      reads: 0,
      stopped: false,
      createdAt: new Date().toISOString(),
    };
    this.agents.set(agent.id, agent);
    return { status: 200, json: this.view(agent) };
  }

  private view(agent: FakeAgent): Record<string, unknown> {
    const statuses = agent.script.statuses ?? ['CREATING', 'RUNNING', 'FINISHED'];
    const status = agent.stopped ? 'STOPPED' : statuses[Math.min(agent.reads, statuses.length - 1)];
    const source = agent.body.source as { repository: string; ref?: string };
    const prompt = String((agent.body.prompt as { text: string }).text);
    const branchName = agent.script.branchName ?? `cursor/${agent.id}`;
    const done = status === 'FINISHED' || status === 'ERROR';
    return {
      id: agent.id,
      name: prompt.slice(0, 40),
      status,
      source,
      target: {
        url: `https://cursor.com/agents?id=${agent.id}`,
        branchName,
        autoCreatePr: (agent.body.target as { autoCreatePr?: boolean } | undefined)?.autoCreatePr ?? false,
        ...(agent.script.prUrl ? { prUrl: agent.script.prUrl } : {}),
      },
      createdAt: agent.createdAt,
      ...(done
        ? { summary: agent.script.summary ?? `Simulated agent finished: ${prompt.slice(0, 60)}` }
        : {}),
    };
  }
}
