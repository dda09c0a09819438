/** A finished job's outcome as a step result: the generic vendor's mapped findings are kept when they are valid findings. */
import type { AgentTask, JobFinished } from '@agentflow/contracts';
import { fingerprintOf } from '@agentflow/findings';
import { jobResult } from './job-outcome';

const task = { runId: 'r1', stepId: 'sec', attempt: 2, agentType: 'security' } as AgentTask;
const finished = (data: Record<string, unknown>): JobFinished => ({
  jobId: 'j1',
  provider: 'testing-ai',
  state: 'finished',
  vendorStatus: 'done',
  costUsd: 0.4,
  attribution: { runId: 'r1', stepId: 'sec' },
  finishedAt: '2026-11-25T16:00:00Z',
  outcome: { summary: '2 issues', url: 'https://vendor.example/runs/1', data },
});

describe('jobResult', () => {
  it('keeps the valid findings of a vendor result mapping, attributed to the step, and counts the ones it drops', () => {
    const valid = {
      file: 'app/src/main/Login.kt',
      startLine: 4,
      endLine: 4,
      severity: 'major',
      category: 'security',
      message: 'token logged',
    };
    const result = jobResult(task, finished({ findings: [valid, { file: '', message: 1 }], score: 71 }));
    expect(result).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      summary: '2 issues',
      findings: [
        {
          ...valid,
          agent: 'security',
          model: 'testing-ai',
          source: 'model',
          confidence: 0.5,
          fingerprint: fingerprintOf(valid),
        },
      ],
      usage: { costUsd: 0.4, models: ['testing-ai'] },
      data: {
        url: 'https://vendor.example/runs/1',
        vendorData: { score: 71 },
        droppedFindings: 1,
        job: { jobId: 'j1' },
      },
    });
    expect(result.data?.vendorData).toEqual({ score: 71 });
  });

  it('turns a cancelled job into a cancelled step', () => {
    expect(
      jobResult(task, { ...finished({}), state: 'cancelled', outcome: undefined, reason: 'run cancelled' }),
    ).toMatchObject({ status: 'failed', errorCode: 'cancelled', errorMessage: 'run cancelled' });
  });
});
