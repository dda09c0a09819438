import type { RunCommand, PublishTaskCommand } from './commands';
import { RunActor } from './actor';
import { buildPlan, buildRunRequest } from './plan-builders';
import type { RunState } from './state';

/** A run that has not started: the actor's first event creates its state. */
const NO_STATE: RunState | undefined = undefined;

const tasksOf = (commands: RunCommand[]) =>
  commands.filter((c): c is PublishTaskCommand => c.type === 'publishTask');

describe('publishTask carries the workflow review settings in task.step.options', () => {
  const actor = new RunActor();
  const plan = buildPlan(
    [
      { id: 'review', agentType: 'code-review' },
      // A step with its own settings, written as a workflow file writes them (snake_case).
      {
        id: 'security',
        agentType: 'security',
        options: {
          ignore: ['**/Fixtures/**'],
          path_instructions: [{ path: 'Sources/Auth/**', instructions: 'Tokens live in the Keychain only.' }],
          conventions_file: 'docs/SECURITY.md',
          maxChunks: 4,
        },
      },
    ],
    {
      ignore: ['**/*.generated.swift', 'Pods/**'],
      pathInstructions: [{ path: 'Sources/Payments/**', instructions: 'Amounts are Decimal, never Double.' }],
      conventionsFile: 'AGENTS.md',
    },
  );

  const published = () =>
    tasksOf(
      actor.apply(NO_STATE, {
        type: 'runRequested',
        at: 1_700_000_000_000,
        request: buildRunRequest('run-opts', plan),
      }).commands,
    );

  it('copies ignore, pathInstructions and conventionsFile of the plan into every task', () => {
    const review = published().find((c) => c.task.stepId === 'review')!;
    expect(review.task.step.options).toEqual({
      ignore: ['**/*.generated.swift', 'Pods/**'],
      pathInstructions: [{ path: 'Sources/Payments/**', instructions: 'Amounts are Decimal, never Double.' }],
      conventionsFile: 'AGENTS.md',
    });
  });

  it("adds a step's own ignore globs and path instructions to the plan's and lets its conventions file win, keeping its other options", () => {
    const security = published().find((c) => c.task.stepId === 'security')!;
    expect(security.task.step.options).toEqual({
      maxChunks: 4,
      ignore: ['**/*.generated.swift', 'Pods/**', '**/Fixtures/**'],
      pathInstructions: [
        { path: 'Sources/Payments/**', instructions: 'Amounts are Decimal, never Double.' },
        { path: 'Sources/Auth/**', instructions: 'Tokens live in the Keychain only.' },
      ],
      conventionsFile: 'docs/SECURITY.md',
    });
    // The plan itself is not changed: a retry builds the same options again.
    expect(plan.steps[1].options).toMatchObject({ path_instructions: expect.any(Array) });
  });

  it('sends no conventionsFile when neither the plan nor the step names one', () => {
    const bare = buildPlan([{ id: 'review' }]);
    const [task] = tasksOf(
      actor.apply(NO_STATE, {
        type: 'runRequested',
        at: 1_700_000_000_000,
        request: buildRunRequest('run-bare', bare),
      }).commands,
    );
    expect(task.task.step.options).toEqual({ ignore: [], pathInstructions: [] });
  });
});
