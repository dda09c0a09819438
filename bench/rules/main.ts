/**
 * `npm run bench -- rules --repo PATH [--repo PATH ...] [--labels DIR] [--sample N] [--seed S] [--to-judge DIR] [--runs N]`
 *
 * Precision of the deterministic rules on real checkouts. For each repository it runs the whole-repo
 * analysis (`agentflow analyze PATH`) in this process and prints, per rule: findings, findings per
 * 10k lines and, where `labels/<owner>-<repo>@<commit>.jsonl` exists, precision on the labelled
 * findings still produced above info (findings at info are counted apart), with the sample size, and how many of the labelled true findings the
 * rules still find. Labels are facts about public code (file, line, rule, verdict, a reason), never
 * the code. `--to-judge DIR` writes, per repository, the seeded sample of findings that have no label
 * yet, to be read and judged. Time is the analysis alone (the repository is read from disk once
 * before, as the CLI does); memory is the process's peak RSS.
 * The last line printed is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { analyze, directoryReader, ruleById, type AnalyzerFinding, type RepoReader } from '@agentflow/mobile';
import { loadLabels, repoSlug, sampleFindings, scoreRule, type Label, type LabelsFile } from './labels';

const args = process.argv.slice(2);
const many = (flag: string) => args.flatMap((a, i) => (a === flag && args[i + 1] ? [args[i + 1]!] : []));
const one = (flag: string, fallback: string) => many(flag)[0] ?? fallback;
const repos = many('--repo');
const labelsDir = resolve(one('--labels', join(__dirname, 'labels')));
const sampleSize = Number(one('--sample', '50'));
const seed = Number(one('--seed', '18'));
const toJudgeDir = many('--to-judge')[0];
const runs = Math.max(1, Number(one('--runs', '1')));

if (repos.length === 0) {
  process.stderr.write(
    'usage: npm run bench -- rules --repo PATH [--repo PATH ...] [--labels DIR] [--sample N] [--seed S] [--to-judge DIR] [--runs N]\n',
  );
  process.exit(2);
}

function git(dir: string, ...argv: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, ...argv], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** `owner/name` of a checkout: from its origin URL (`…/owner/name(.git)`, or a mirror's `owner+name`). */
function ownerAndName(dir: string): string {
  const url = git(dir, 'remote', 'get-url', 'origin') ?? '';
  const mirror = /([^/]+)\+([^/]+)\/repo\/?$/.exec(url);
  if (mirror) return `${mirror[1]}/${mirror[2]}`;
  const hosted = /[/:]([^/:]+)\/([^/]+?)(\.git)?\/?$/.exec(url);
  return hosted ? `${hosted[1]}/${hosted[2]}` : `local/${basename(dir)}`;
}

/** Lines of readable text the analysis was given (the denominator of "per 10k lines"). */
function countLines(reader: RepoReader): number {
  let lines = 0;
  for (const path of reader.files) {
    const text = reader.read(path);
    if (text === undefined) continue;
    let n = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
    lines += n;
  }
  return lines;
}

/** Every file read once, so the timed analysis measures the rules, not the first disk read. */
function cachedReader(reader: RepoReader): RepoReader {
  const cache = new Map<string, string | undefined>();
  for (const path of reader.files) cache.set(path, reader.read(path));
  return {
    files: reader.files,
    read: (path) => (cache.has(path) ? cache.get(path) : reader.read(path)),
    unread: reader.unread?.bind(reader),
  };
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);
const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)}%`);

interface RuleRow {
  rule: string;
  severity: string;
  findings: number;
  /** Findings reported at info, left out of precision. */
  info: number;
  per10k: number;
  labelled: number;
  true: number;
  noise: number;
  false: number;
  precision: number | null;
  trueKept: number;
  trueLabelled: number;
  unlabelled: number;
}

const summary: Array<{
  repo: string;
  commit: string;
  lines: number;
  files: number;
  ms: number;
  msRuns: number[];
  rssMb: number;
  noisePer10k: number | null;
  rules: RuleRow[];
}> = [];

for (const path of repos.map((r) => resolve(r))) {
  if (!existsSync(path)) {
    process.stderr.write(`${path}: no such directory\n`);
    process.exit(2);
  }
  const name = ownerAndName(path);
  const commit = git(path, 'rev-parse', 'HEAD') ?? 'unknown';
  const slug = repoSlug(name, commit);
  const reader = cachedReader(directoryReader(path));
  const lines = countLines(reader);

  const msRuns: number[] = [];
  let findings: AnalyzerFinding[] = [];
  for (let i = 0; i < runs; i++) {
    global.gc?.();
    const started = process.hrtime.bigint();
    findings = analyze({ repo: reader }).findings;
    msRuns.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const ms = [...msRuns].sort((a, b) => a - b)[Math.floor(msRuns.length / 2)]!;
  const rssMb = process.resourceUsage().maxRSS / 1024;

  const labels: LabelsFile | undefined = loadLabels(join(labelsDir, `${slug}.jsonl`));
  const byRule = new Map<string, AnalyzerFinding[]>();
  for (const f of findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  const ruleIds = new Set([...byRule.keys(), ...(labels?.labels.map((l) => l.rule) ?? [])]);

  const rows: RuleRow[] = [...ruleIds].sort().map((rule) => {
    const current = byRule.get(rule) ?? [];
    const ruleLabels = labels?.labels.filter((l) => l.rule === rule) ?? [];
    // Precision at the severity a finding is reported at: findings at info are notes nobody is asked
    // to act on, so they are counted apart; true findings kept counts them (they are still reported).
    const reported = current.filter((f) => f.severity !== 'info');
    const score = scoreRule(reported, ruleLabels);
    const all = scoreRule(current, ruleLabels);
    return {
      rule,
      severity: ruleById(rule)?.severity ?? '?',
      findings: current.length,
      info: current.length - reported.length,
      per10k: (current.length * 10_000) / Math.max(1, lines),
      ...score,
      trueKept: all.trueKept,
      unlabelled: all.unlabelled,
    };
  });

  // Noise per 10k lines: each rule's labelled non-true share applied to its findings above info.
  let noiseEstimate = 0;
  let estimable = true;
  for (const row of rows) {
    // Findings reported at info (a rule's default, or a case it lowers, such as whole-repo untested modules) are left out.
    const reported = (byRule.get(row.rule) ?? []).filter((f) => f.severity !== 'info').length;
    if (reported === 0) continue;
    if (row.labelled === 0) estimable = false;
    else noiseEstimate += reported * ((row.labelled - row.true) / row.labelled);
  }
  const noisePer10k = estimable ? (noiseEstimate * 10_000) / Math.max(1, lines) : null;

  process.stdout.write(
    `\n${name}@${commit.slice(0, 12)}  ${reader.files.length} files, ${lines} lines; analysis ${ms.toFixed(0)} ms${runs > 1 ? ` (median of ${runs}: ${msRuns.map((m) => m.toFixed(0)).join(', ')})` : ''}, peak RSS ${rssMb.toFixed(0)} MB\n`,
  );
  process.stdout.write(
    `labels: ${labels ? `${labelsDir}/${slug}.jsonl (seed ${labels.meta.seed}, ${labels.labels.length} labels)` : 'none'}\n`,
  );
  process.stdout.write(
    `${pad('rule', 40)} ${pad('sev', 8)} ${lpad('found', 6)} ${lpad('info', 5)} ${lpad('/10k', 7)} ${lpad('judged', 7)} ${lpad('true', 5)} ${lpad('noise', 6)} ${lpad('false', 6)} ${lpad('precision', 10)} ${lpad('true kept', 10)} ${lpad('unjudged', 9)}\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${pad(r.rule, 40)} ${pad(r.severity, 8)} ${lpad(r.findings, 6)} ${lpad(r.info, 5)} ${lpad(r.per10k.toFixed(2), 7)} ${lpad(r.labelled, 7)} ${lpad(r.true, 5)} ${lpad(r.noise, 6)} ${lpad(r.false, 6)} ${lpad(r.precision === null ? '—' : pct(r.true, r.labelled), 10)} ${lpad(r.trueLabelled ? `${r.trueKept}/${r.trueLabelled}` : '—', 10)} ${lpad(r.unlabelled, 9)}\n`,
    );
  }
  process.stdout.write(
    `non-true findings per 10k lines at default severity (estimated from labels): ${noisePer10k === null ? 'a rule that fires has no labels' : noisePer10k.toFixed(2)}\n`,
  );

  if (toJudgeDir) {
    const toJudge = sampleFindings(findings, labels?.labels ?? [], { size: sampleSize, seed });
    mkdirSync(toJudgeDir, { recursive: true });
    const out = join(toJudgeDir, `${slug}.to-judge.jsonl`);
    writeFileSync(
      out,
      toJudge
        .map((f) => JSON.stringify({ file: f.file, line: f.line, rule: f.ruleId, message: f.message }))
        .join('\n') + (toJudge.length ? '\n' : ''),
    );
    process.stdout.write(`${toJudge.length} findings to judge written to ${out}\n`);
  }
  summary.push({
    repo: name,
    commit,
    lines,
    files: reader.files.length,
    ms,
    msRuns,
    rssMb,
    noisePer10k,
    rules: rows,
  });
}

process.stdout.write(`${JSON.stringify({ bench: 'rules', repos: summary })}\n`);

export type { Label };
