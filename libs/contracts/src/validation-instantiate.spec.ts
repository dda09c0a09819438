import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AgentResult, AgentTask, ChangeRef, RunRequested } from './messages/run';
import { GatewayRequest, GatewayResponse } from './messages/gateway';
import { Finding } from './messages/finding';
import { instantiateBody } from './validation-instantiate';

const finding = {
  id: 'f1',
  title: 'Token in UserDefaults',
  severity: 'high',
  file: 'A.swift',
  line: 3,
  extra: { nested: [1, { deep: true }] },
};

const bodies: Array<[string, new () => object, Record<string, unknown>]> = [
  [
    'run.requested',
    RunRequested,
    {
      runId: 'r1',
      change: { platform: 'local', repo: '/tmp/x', pr: 1, headSha: 'b'.repeat(40) },
      trigger: 'pull_request',
      rollout: 'comment',
      dataClass: 'internal',
      plan: {
        id: 'wf',
        steps: [
          {
            id: 'a',
            agentType: 'code-review',
            options: { cache: false, nested: { list: [1, 2, { x: 'y' }] } },
          },
        ],
        timeoutMs: 1000,
      },
      attribution: { team: 't', project: 'p', repo: 'r' },
      artifacts: ['change.diff'],
    },
  ],
  [
    'task.requested',
    AgentTask,
    {
      runId: 'r1',
      stepId: 'a',
      attempt: 1,
      agentType: 'code-review',
      tasks: ['find_bugs'],
      change: { platform: 'local', repo: '/tmp/x', headSha: 'h' },
      step: { id: 'a', providers: [{ provider: 'p', model: 'm' }] },
      deadline: 5,
      context: { b: { status: 'succeeded', findings: [finding] } },
      attribution: { team: 't' },
      dataClass: 'internal',
      openFindings: [finding, { title: 3 }],
    },
  ],
  [
    'task.result',
    AgentResult,
    {
      runId: 'r1',
      stepId: 'a',
      attempt: 1,
      agentType: 'x',
      status: 'succeeded',
      findings: [finding],
      notReviewed: [],
      usage: { inputTokens: 1 },
      data: { modelCalls: 1, any: { thing: [] } },
    },
  ],
  [
    'gateway.request',
    GatewayRequest,
    {
      requestId: 'q',
      providers: [{ provider: 'p', model: 'm' }],
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 10,
      deadline: 1,
      responseSchema: {
        name: 'findings',
        schema: { type: 'object', properties: { findings: { type: 'array', items: { type: 'object' } } } },
      },
      attribution: { team: 't' },
      dataClass: 'internal',
      paths: [{ path: 'A.swift', sha256: 'x' }],
    },
  ],
  [
    'gateway.response',
    GatewayResponse,
    {
      requestId: 'q',
      status: 'ok',
      structured: { findings: [finding] },
      usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 },
      costUsd: 0,
      cached: false,
      attempts: [{ provider: 'p', model: 'm', outcome: 'ok' }],
    },
  ],
  [
    'broken',
    AgentTask,
    {
      runId: 7,
      change: 'not an object',
      context: [1, 2],
      step: null,
      openFindings: {},
      attribution: { team: 5 },
    },
  ],
];

/** As a body arrives: parsed from the message's JSON. */
function parsed(body: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
}

function messages(instance: object): string[] {
  const flatten = (errors: ReturnType<typeof validateSync>, path = ''): string[] =>
    errors.flatMap((e) => [
      ...Object.values(e.constraints ?? {}).map((m) => `${path}${e.property}: ${m}`),
      ...flatten(e.children ?? [], `${path}${e.property}.`),
    ]);
  return flatten(validateSync(instance, { whitelist: false, forbidUnknownValues: false }));
}

describe('instantiateBody', () => {
  it.each(bodies)(
    'builds %s as plainToInstance does: same fields, same classes, same validation',
    (_type, bodyClass, body) => {
      const expected = plainToInstance(bodyClass, parsed(body)) as Record<string, unknown>;
      const actual = instantiateBody(bodyClass, parsed(body)) as Record<string, unknown>;
      expect(actual).toBeInstanceOf(bodyClass);
      expect(actual).toStrictEqual(expected);
      expect(Object.keys(actual)).toEqual(Object.keys(expected));
      for (const key of Object.keys(expected)) {
        const e = expected[key];
        if (e && typeof e === 'object')
          expect(Object.getPrototypeOf(actual[key])).toBe(Object.getPrototypeOf(e));
      }
      expect(messages(actual)).toEqual(messages(expected));
    },
  );

  it('still makes class instances of typed properties', () => {
    const task = instantiateBody(AgentTask, parsed(bodies[1][2])) as AgentTask;
    expect(task.change).toBeInstanceOf(ChangeRef);
    expect(task.openFindings![0]).toBeInstanceOf(Finding);
  });
});
