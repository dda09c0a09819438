/**
 * No service imports another, its tests included (eslint.config.mjs, issue 29): services talk over
 * the bus, and a test that needs two of them together lives in test/. `npm run lint` fails on an
 * import of another service by package name or by a relative path into its sources.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '..');
const eslint = new ESLint({ cwd: root });

async function restricted(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('service boundaries lint', () => {
  jest.setTimeout(60_000);

  it.each([
    [
      "import { Coordinator } from '@agentflow/coordinator';\nexport const c = Coordinator;\n",
      'services/notifier/src/synthetic.ts',
    ],
    [
      "import { x } from '../../../gateway/src/budget/x';\nexport const y = x;\n",
      'services/agents/src/jobs/synthetic.spec.ts',
    ],
    [
      "import { x } from '../../../../services/ingress/src/x';\nexport const y = x;\n",
      'services/notifier/src/a/b/synthetic.ts',
    ],
  ])('rejects %j in %s', async (code, file) => {
    expect(await restricted(code, file)).toEqual([
      expect.stringMatching(/must not import services\/\w+: talk over the bus/),
    ]);
  });

  it.each([
    // The agents' own gateway client folder, not the gateway service.
    [
      "import { BusModelGateway } from '../gateway/model-gateway';\nexport const g = BusModelGateway;\n",
      'services/agents/src/jobs/synthetic.ts',
    ],
    [
      "import { Gateway } from '@agentflow/gateway';\nexport const g = Gateway;\n",
      'services/gateway/src/synthetic.ts',
    ],
    [
      "import { Gateway } from '@agentflow/gateway';\nexport const g = Gateway;\n",
      'test/integration/synthetic.spec.ts',
    ],
  ])('allows %j in %s', async (code, file) => {
    expect(await restricted(code, file)).toEqual([]);
  });
});
