import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsInt, IsString, Min, validateSync } from 'class-validator';
import { AgentResult, AgentTask } from './messages/run';
import { GatewayRequest } from './messages/gateway';
import { installValidationMetadataCache } from './validation-metadata-cache';

const bodies: Array<[new () => object, Record<string, unknown>]> = [
  [
    AgentTask,
    {
      runId: 7,
      stepId: 's',
      attempt: 0,
      change: { platform: 'local' },
      context: [1],
      openFindings: [{ title: 3 }],
      attribution: { team: 5 },
    },
  ],
  [
    AgentResult,
    {
      runId: 'r',
      stepId: 's',
      attempt: 1,
      agentType: 'x',
      status: 'nope',
      findings: [{ severity: 'x' }],
      usage: { inputTokens: -1 },
    },
  ],
  [
    GatewayRequest,
    {
      requestId: '',
      providers: [],
      messages: [{ role: 'system', content: 1 }],
      maxTokens: 0,
      paths: [{ path: 1 }],
    },
  ],
];

function errors(bodyClass: new () => object, body: Record<string, unknown>): unknown {
  return JSON.stringify(
    validateSync(plainToInstance(bodyClass, body), { whitelist: false, forbidUnknownValues: false }),
  );
}

describe('installValidationMetadataCache', () => {
  it('gives the same validation errors as class-validator without it, and again on the next call', () => {
    const before = bodies.map(([c, b]) => errors(c, b));
    installValidationMetadataCache();
    installValidationMetadataCache();
    expect(bodies.map(([c, b]) => errors(c, b))).toEqual(before);
    expect(bodies.map(([c, b]) => errors(c, b))).toEqual(before);
    expect(before.every((e) => e !== '[]')).toBe(true);
  });

  it('sees rules of classes defined after it was installed, inherited ones included', () => {
    installValidationMetadataCache();
    class Base {
      @IsString() name!: string;
    }
    expect(validateSync(plainToInstance(Base, { name: 1 }))).toHaveLength(1);
    class Derived extends Base {
      @IsInt() @Min(1) count!: number;
    }
    expect(
      validateSync(plainToInstance(Derived, { name: 1, count: 0 }))
        .map((e) => e.property)
        .sort(),
    ).toEqual(['count', 'name']);
    expect(validateSync(plainToInstance(Base, { name: 'x' }))).toHaveLength(0);
  });
});
