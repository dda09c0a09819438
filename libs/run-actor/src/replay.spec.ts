/**
 * Replay tests: recorded event sequences (JSON fixtures, the shape `af.history.<runId>` stores)
 * fed to the actor must give the recorded state and commands. A change to the actor that alters
 * what a recorded run would have done, or a fingerprint, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunActor } from './actor';
import type { RunEvent } from './events';
import { replay } from './test-support';

interface Fixture {
  name: string;
  description: string;
  events: RunEvent[];
  expect: {
    status: string;
    outcome: { code: string; reason: string } | null;
    steps: Record<string, { state: string; attempt: number }>;
    ignored: number[];
    commands: Array<Array<[string, string]>>;
    report: {
      gateConclusion: string;
      findings: string[];
      findingStates: Record<string, string>;
      degraded: boolean;
      costUsd: number;
    } | null;
  };
}

const dir = join(__dirname, 'fixtures');
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture);

describe.each(fixtures.map((f) => [f.name, f] as const))('replay of %s', (_name, fixture) => {
  const result = replay(new RunActor(), fixture.events);
  const state = result.state!;

  it('ends in the recorded state', () => {
    expect(state.status).toBe(fixture.expect.status);
    expect(state.outcome ?? null).toEqual(fixture.expect.outcome);
    expect(
      Object.fromEntries(
        Object.values(state.steps).map((s) => [s.id, { state: s.state, attempt: s.attempt }]),
      ),
    ).toEqual(fixture.expect.steps);
  });

  it('ignores the same stale events and issues the same commands with the same msg ids', () => {
    expect(result.transitions.map((t, i) => (t.ignored ? i : -1)).filter((i) => i >= 0)).toEqual(
      fixture.expect.ignored,
    );
    expect(
      result.transitions.map((t) => (t.ignored ? [] : t.commands.map((c) => [c.type, c.msgId]))),
    ).toEqual(fixture.expect.commands);
  });

  it('publishes the end of the run exactly once, with the recorded report', () => {
    const ends = result.commands.filter((c) => c.type === 'completeRun' || c.type === 'failRun');
    expect(ends).toHaveLength(fixture.expect.report ? 1 : 0);
    const end = ends[0];
    if (!end) return;
    const report =
      end.type === 'completeRun' ? end.report : end.type === 'failRun' ? end.failure.partial : undefined;
    expect({
      gateConclusion: report!.gateConclusion,
      findings: report!.findings.map((f) => f.fingerprint),
      findingStates: report!.findingStates,
      degraded: report!.degraded ?? false,
      costUsd: report!.usage.costUsd,
    }).toEqual(fixture.expect.report);
  });

  it('replays the same from a stored copy of every intermediate state (what the KV holds between events)', () => {
    let stored: unknown;
    const actor = new RunActor();
    for (const event of fixture.events) {
      const t = actor.apply(stored ? JSON.parse(JSON.stringify(stored)) : undefined, event);
      if (!t.ignored) stored = t.state;
    }
    expect(stored).toEqual(state);
  });
});

test('there are recorded runs to replay', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(7);
});
