/**
 * `npm run bench -- redaction [--secretlint-inputs PATH] [--no-secretlint] [--misses]`
 *
 * Recall and false-positive rate of the secret detectors, per kind, beside secretlint's on the same
 * inputs:
 * - the project's corpus (corpus.ts): secrets in every mobile file format and look-alikes that must
 *   survive; recall counts a secret as caught when every character of it is redacted (or, for a
 *   report, when a finding covers it); a false positive is any redaction or finding in a look-alike;
 * - secretlint's rule test inputs, when a checkout is given: an expected finding is caught when one of
 *   ours overlaps it; a false positive is any of ours in an input secretlint expects to be clean.
 * `redact` is what the gateway sends, `report` what the analysers post. `--misses` lists every miss.
 * The last line printed is one JSON object.
 */
import { findSecrets, type SecretMatch } from '@agentflow/mobile';
import { buildCorpus, type CorpusCase } from './corpus';
import { readSecretlintInputs, secretlintFile, secretlintText, type Span } from './secretlint';

const args = process.argv.slice(2);
const inputsPath = args.includes('--secretlint-inputs')
  ? args[args.indexOf('--secretlint-inputs') + 1]
  : undefined;
const withSecretlint = !args.includes('--no-secretlint');
const showMisses = args.includes('--misses');

type Purpose = 'redact' | 'report';

/** Whether the matches cover every character of `text[start, end)`. */
function covers(matches: Span[], start: number, end: number): boolean {
  let at = start;
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    if (m.start <= at && m.end > at) at = m.end;
    if (at >= end) return true;
  }
  return at >= end;
}

const overlaps = (matches: Span[], s: Span) => matches.some((m) => m.start < s.end && s.start < m.end);
const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)}%`);

interface Tally {
  n: number;
  redact: number;
  report: number;
  secretlint: number;
}
const tally = (): Tally => ({ n: 0, redact: 0, report: 0, secretlint: 0 });

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

function printTable(
  title: string,
  head: string[],
  rows: Array<[string, Tally]>,
  total: Tally,
  ratio: (t: Tally, k: keyof Omit<Tally, 'n'>) => string,
): void {
  const widths = [Math.max(34, ...rows.map(([k]) => k.length)), 6, 9, 9, 11];
  console.log(`\n${title}`);
  console.log(row(head, widths));
  for (const [kind, t] of rows)
    console.log(
      row(
        [
          kind,
          String(t.n),
          ratio(t, 'redact'),
          ratio(t, 'report'),
          withSecretlint ? ratio(t, 'secretlint') : '—',
        ],
        widths,
      ),
    );
  console.log(
    row(
      [
        'all',
        String(total.n),
        ratio(total, 'redact'),
        ratio(total, 'report'),
        withSecretlint ? ratio(total, 'secretlint') : '—',
      ],
      widths,
    ),
  );
}

function add(
  map: Map<string, Tally>,
  key: string,
  total: Tally,
  hit: Record<keyof Omit<Tally, 'n'>, boolean>,
): void {
  const t = map.get(key) ?? tally();
  map.set(key, t);
  for (const x of [t, total]) {
    x.n += 1;
    if (hit.redact) x.redact += 1;
    if (hit.report) x.report += 1;
    if (hit.secretlint) x.secretlint += 1;
  }
}

const scan = (text: string, path: string | undefined, purpose: Purpose): SecretMatch[] =>
  findSecrets(text, { path, purpose });

async function corpusFigures(cases: CorpusCase[]) {
  const recall = new Map<string, Tally>();
  const falsePositives = new Map<string, Tally>();
  const recallTotal = tally();
  const fpTotal = tally();
  const misses: string[] = [];
  for (const c of cases) {
    const redact = scan(c.text, undefined, 'redact');
    const report = scan(c.text, c.path, 'report');
    const theirs = withSecretlint ? await secretlintText(c.path, c.text) : [];
    if (c.expect === 'secret') {
      const start = c.text.indexOf(c.secret!);
      const span = { start, end: start + c.secret!.length };
      const hit = {
        redact: covers(redact, span.start, span.end),
        report: overlaps(report, span),
        secretlint: overlaps(theirs, span),
      };
      add(recall, c.kind, recallTotal, hit);
      if (!hit.redact || !hit.report)
        misses.push(`miss ${hit.redact ? '' : 'redact '}${hit.report ? '' : 'report '}${c.id}`);
    } else {
      // A stand-in may be redacted; only a clean look-alike counts against redaction.
      const hit = {
        redact: c.expect === 'clean' && redact.length > 0,
        report: report.length > 0,
        secretlint: theirs.length > 0,
      };
      add(falsePositives, c.kind, fpTotal, hit);
      if (hit.redact || hit.report)
        misses.push(
          `false ${hit.redact ? 'redact ' : ''}${hit.report ? 'report ' : ''}${c.id}: ${[...(hit.redact ? redact : []), ...(hit.report ? report : [])].map((m) => `${m.ruleId} "${c.text.slice(m.start, m.end).slice(0, 40)}"`).join(', ')}`,
        );
    }
  }
  return { recall, falsePositives, recallTotal, fpTotal, misses };
}

async function secretlintInputFigures(path: string) {
  const { inputs, skipped } = readSecretlintInputs(path);
  const recall = new Map<string, Tally>();
  const falsePositives = new Map<string, Tally>();
  const recallTotal = tally();
  const fpTotal = tally();
  const misses: string[] = [];
  for (const input of inputs) {
    // The gateway never sees a file name; a report does (it decides PKCS#12 by extension).
    const redact = scan(input.text, input.binary ? input.fileName : undefined, 'redact');
    const report = scan(input.text, input.fileName, 'report');
    const theirs = withSecretlint ? await secretlintFile(input.file) : [];
    if (input.expected.length === 0) {
      const hit = { redact: redact.length > 0, report: report.length > 0, secretlint: theirs.length > 0 };
      add(falsePositives, input.rule, fpTotal, hit);
      if (hit.redact || hit.report)
        misses.push(
          `false ${input.rule}/${input.name}: ${[...redact, ...report].map((m) => `${m.ruleId} "${input.text.slice(m.start, m.end).slice(0, 40)}"`).join(', ')}`,
        );
      continue;
    }
    for (const e of input.expected) {
      const hit = {
        redact: overlaps(redact, e),
        report: overlaps(report, e),
        secretlint: overlaps(theirs, e),
      };
      add(recall, input.rule, recallTotal, hit);
      if (!hit.redact || !hit.report)
        misses.push(
          `miss ${hit.redact ? '' : 'redact '}${hit.report ? '' : 'report '}${input.rule}/${input.name}: "${input.text.slice(e.start, e.end).slice(0, 60)}"`,
        );
    }
  }
  return { recall, falsePositives, recallTotal, fpTotal, misses, files: inputs.length, skipped };
}

const rate = (t: Tally, k: keyof Omit<Tally, 'n'>) => pct(t[k], t.n);
const sorted = (m: Map<string, Tally>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
const HEAD_RECALL = ['kind', 'cases', 'redact', 'report', 'secretlint'];
const figures = (r: Awaited<ReturnType<typeof corpusFigures>>) => ({
  cases: r.recallTotal.n + r.fpTotal.n,
  recall: {
    redact: r.recallTotal.redact / r.recallTotal.n,
    report: r.recallTotal.report / r.recallTotal.n,
    secretlint: withSecretlint ? r.recallTotal.secretlint / r.recallTotal.n : null,
  },
  falsePositiveRate: {
    redact: r.fpTotal.redact / r.fpTotal.n,
    report: r.fpTotal.report / r.fpTotal.n,
    secretlint: withSecretlint ? r.fpTotal.secretlint / r.fpTotal.n : null,
  },
});

async function main(): Promise<void> {
  const corpus = buildCorpus();
  const formats = new Set(corpus.map((c) => c.format));
  const ours = await corpusFigures(corpus);
  console.log(
    `redaction bench: project corpus of ${corpus.length} cases (${ours.recallTotal.n} secrets, ${ours.fpTotal.n} look-alikes) in ${formats.size} formats`,
  );
  printTable(
    'recall on the project corpus (secret caught)',
    HEAD_RECALL,
    sorted(ours.recall),
    ours.recallTotal,
    rate,
  );
  printTable(
    'false positives on the project corpus (look-alike touched)',
    HEAD_RECALL,
    sorted(ours.falsePositives),
    ours.fpTotal,
    rate,
  );
  if (showMisses) for (const m of ours.misses) console.log(`  ${m}`);
  const result: Record<string, unknown> = {
    date: new Date().toISOString().slice(0, 10),
    corpus: figures(ours),
  };

  if (inputsPath) {
    const theirs = await secretlintInputFigures(inputsPath);
    console.log(
      `\nsecretlint's rule test inputs: ${theirs.files} files of ${theirs.recall.size + 0} rules, ${theirs.recallTotal.n} expected findings, ${theirs.fpTotal.n} clean inputs; left out (rule options set): ${theirs.skipped.join(', ') || 'none'}`,
    );
    printTable(
      'recall on secretlint inputs (expected finding overlapped)',
      HEAD_RECALL,
      sorted(theirs.recall),
      theirs.recallTotal,
      rate,
    );
    printTable(
      'false positives on secretlint inputs (clean input touched)',
      HEAD_RECALL,
      sorted(theirs.falsePositives),
      theirs.fpTotal,
      rate,
    );
    if (showMisses) for (const m of theirs.misses) console.log(`  ${m}`);
    result.secretlintInputs = { files: theirs.files, ...figures(theirs) };
  }
  console.log(JSON.stringify(result));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
