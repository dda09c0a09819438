/**
 * The agents service as the platform runs it (service kit, embedded bus, PGlite): AGENT_TYPES
 * selects the consumers, and a task published on the bus gets its result.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topology } from '@agentflow/contracts';
import { createMessenger } from '@agentflow/bus';
import { runServices, type RunningServices } from '@agentflow/service-kit';
import { agentsService } from './service';
import { agentTask, FixtureRepo, planStep } from './testing/fixture-repo';
import { ANDROID_BASE, ANDROID_CHANGE } from './testing/sample-repos';

describe('agentsService', () => {
  let dataDir: string;
  let running: RunningServices | undefined;
  let repo: FixtureRepo;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentflow-agents-'));
    repo = new FixtureRepo(ANDROID_BASE);
  });

  afterAll(async () => {
    await running?.shutdown();
    await rm(dataDir, { recursive: true, force: true });
    repo.remove();
  });

  it('refuses unknown AGENT_TYPES at start-up', async () => {
    await expect(
      runServices([agentsService], {
        env: {
          AGENTFLOW_DATA_DIR: dataDir,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'silent',
          AGENT_TYPES: 'lint,reviewer',
        },
        handleSignals: false,
      }),
    ).rejects.toThrow(/unknown agent types: reviewer/);
  });

  it('consumes the selected types and answers a task', async () => {
    running = await runServices([agentsService], {
      env: {
        AGENTFLOW_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        AGENT_TYPES: 'lint',
      },
      handleSignals: false,
    });
    const base = repo.head();
    const head = repo.commit(ANDROID_CHANGE);
    const topo = topology();
    const messenger = createMessenger(running.bus, topo);
    const task = agentTask(repo, base, head, planStep('lint', { providers: [] }), { runId: 'svc-1' });
    await messenger.emit(topo.subjects.tasks('lint'), 'task.requested', task, { runId: 'svc-1' });
    let messages: Array<{ data: Uint8Array }> = [];
    for (let i = 0; i < 300 && messages.length < 2; i++) {
      messages = await running.bus.readSubject(topo.streams.results.name, topo.subjects.results('svc-1'));
      await new Promise((r) => setTimeout(r, 20));
    }
    const result = JSON.parse(new TextDecoder().decode(messages[1].data)) as {
      type: string;
      body: { status: string; agentType: string };
    };
    expect(result).toMatchObject({ type: 'task.result', body: { status: 'succeeded', agentType: 'lint' } });
  });
});
