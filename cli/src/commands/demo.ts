import type { Command } from 'commander';
import { renderCostTable } from '../cost/ledger';
import { runDemo, type DemoResult } from '../demo/run-demo';
import { realVendors } from '../demo/stack';
import { formatElapsed, ProgressDisplay, wantsColour } from '../progress/progress';

/** The first lines of the demo: which vendors answer, and plainly so when it is the offline fake. */
export function vendorBanner(
  result:
    Pick<DemoResult, 'vendor'> | { vendor: { kind: 'offline' } | { kind: 'real'; providers: string[] } },
): string {
  if (result.vendor.kind === 'real')
    return `agentflow demo: real AI vendors (${result.vendor.providers.join(', ')}); calls are billed to your keys.`;
  return [
    '==============================================================================',
    ' agentflow demo: OFFLINE. No ANTHROPIC_API_KEY or OPENAI_API_KEY is set, so the',
    ' AI vendor is a local fake. Findings from the deterministic analysers are real;',
    ' what the fake vendor says is SIMULATED and marked [simulated]. GitHub and Slack',
    ' are local fakes too: nothing leaves this machine.',
    '==============================================================================',
  ].join('\n');
}

const indent = (text: string, by = '    ') =>
  text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');

/** The human-readable report printed after the progress lines. */
export function renderDemoResult(result: DemoResult): string {
  const out: string[] = [];
  for (const pr of result.pullRequests) {
    out.push('', `=== ${pr.repo}#${pr.pr} (head ${pr.headSha.slice(0, 12)})`);
    for (const run of pr.runs)
      out.push(
        `  run ${run.runId}  ${run.workflow}: ${run.status}, gate ${run.gateConclusion ?? '-'}, ${run.findings} findings, $${run.costUsd.toFixed(4)}`,
      );
    for (const comment of pr.summaryComments) {
      out.push(
        '',
        `  --- summary comment #${comment.id}, as the fake GitHub stored it ---`,
        indent(comment.body),
        '  --- end of comment ---',
      );
    }
    out.push('', `  inline comments (${pr.inlineComments.length}):`);
    for (const c of pr.inlineComments)
      out.push(
        `    ${c.path}:${c.line}  ${c.body.split('\n').find((l) => l.trim() && !l.startsWith('<!--')) ?? ''}`,
      );
    out.push('', '  check runs:');
    for (const c of pr.checkRuns)
      out.push(
        `    ${c.name}: ${c.status}, conclusion ${c.conclusion ?? '-'}${c.title ? ` (${c.title})` : ''}`,
      );
  }
  out.push(
    '',
    `=== Slack (${result.slackMessages.length} message${result.slackMessages.length === 1 ? '' : 's'})`,
  );
  for (const m of result.slackMessages) out.push(`  ${m.channel}:`, indent(m.text));
  out.push('', '=== database rows');
  for (const [table, n] of Object.entries(result.rowCounts)) out.push(`  ${table.padEnd(26)} ${n}`);
  return out.join('\n');
}

/**
 * `agentflow demo [--json]`: the whole system on the two bundled sample apps, in this process,
 * with nothing to start by hand and (without API keys) no network.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole system in this process on a sample iOS and a sample Android pull request (offline without API keys)',
    )
    .option('--json', 'print one JSON document with everything that landed (no progress lines)')
    .option(
      '--timeout <seconds>',
      'how long the runs may take once the webhooks are in',
      (v) => Number(v),
      60,
    )
    .action(async (options: { json?: boolean; timeout: number }) => {
      const quiet = Boolean(options.json);
      const progress = new ProgressDisplay(process.stdout, {
        colour: wantsColour(process.stdout, process.env),
        quiet,
      });
      const offline = realVendors(process.env).length === 0;
      progress.print(
        offline
          ? vendorBanner({ vendor: { kind: 'offline' } })
          : vendorBanner({ vendor: { kind: 'real', providers: realVendors(process.env) } }),
      );
      try {
        const result = await runDemo({ env: process.env, progress, timeoutMs: options.timeout * 1000 });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        } else {
          progress.print(renderDemoResult(result));
          progress.heading('=== cost');
          progress.print(renderCostTable(result.cost));
          progress.print(
            `\ndemo finished in ${formatElapsed(progress.elapsed())}${offline ? ' (offline: model output simulated)' : ''}`,
          );
        }
      } catch (error) {
        process.stderr.write(
          `agentflow demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 1;
      }
    });
}
