/**
 * `npm run bench -- gateway [--seconds N]`
 *
 * The same fake vendor (its own process) called three ways in one run: directly, through the
 * agentflow gateway (full production pipeline, see gateway-process.ts) and through
 * `@portkey-ai/gateway` (installed on demand into bench/gateway/.portkey, never a product
 * dependency). Load and latency come from wrk (microsecond percentiles), installed with apt when
 * missing; every request body is unique so nothing is a cache hit, and the bench checks that the
 * vendor counted every 200 the gateway returned.
 *
 * Figures per target: requests/s at 50 connections with a 0 ms and a 50 ms vendor, p50 and p99 at
 * 1 connection with a 0 ms vendor, p99 at 50 connections with a 50 ms vendor, peak RSS (VmHWM).
 * The last line printed is one JSON object.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BENCH_KEY } from './bench-key';

const PORTKEY_VERSION = '1.15.2';
const here = __dirname;
const register = join(here, '..', '..', 'scripts', 'ts-register.js');
const portkeyDir = join(here, '.portkey');
const portkeyServer = join(portkeyDir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('seconds', 5);

interface Figures {
  rps_50c_0ms: number;
  rps_50c_50ms: number;
  p50_1c_ms: number;
  p99_1c_ms: number;
  p99_50c_50ms: number;
  rss_mb: number;
}

interface WrkResult {
  requests: number;
  duration_us: number;
  non2xx: number;
  socket_errors: number;
  p50_us: number;
  p99_us: number;
}

interface Target {
  name: 'direct' | 'gateway' | 'portkey';
  url: string;
  headers: Record<string, string>;
  pid: number;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function ensureWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is ENOENT.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
    log('installing wrk with apt-get');
    execFileSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
  }
}

function ensurePortkey(): void {
  if (existsSync(portkeyServer)) {
    const pkg = JSON.parse(
      readFileSync(join(portkeyDir, 'node_modules', '@portkey-ai', 'gateway', 'package.json'), 'utf8'),
    ) as { version: string };
    if (pkg.version === PORTKEY_VERSION) return;
  }
  log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${portkeyDir} (bench only)`);
  execFileSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      portkeyDir,
      `@portkey-ai/gateway@${PORTKEY_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
}

function forkTs(file: string, args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(here, file), args, {
    execArgv: ['-r', register],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
    child.once('message', (m: { url: string }) => resolve({ child, url: m.url }));
  });
}

function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off('message', onMessage);
        resolve(m[key] as T);
      }
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startPortkey(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [portkeyServer, `--port=${port}`, '--headless'], {
    cwd: portkeyDir,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('Portkey did not start within 10 s');
}

function wrk(target: Target, connections: number, seconds: number, run: string): WrkResult {
  const headers = Object.entries({ 'content-type': 'application/json', ...target.headers }).flatMap(
    ([k, v]) => ['-H', `${k}: ${v}`],
  );
  const out = execFileSync(
    'wrk',
    [
      `-t${Math.min(2, connections)}`,
      `-c${connections}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      join(here, 'load.lua'),
      ...headers,
      `${target.url}/v1/chat/completions`,
      '--',
      run,
    ],
    { encoding: 'utf8' },
  );
  const line = out.split('\n').find((l) => l.startsWith('WRK '));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  return JSON.parse(line.slice(4)) as WrkResult;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

async function measure(target: Target, vendor: ChildProcess, gateway: ChildProcess): Promise<Figures> {
  const rps = (r: WrkResult) => round(((r.requests - r.non2xx) / r.duration_us) * 1e6, 0);
  const checked = async (connections: number, seconds: number, run: string): Promise<WrkResult> => {
    const before = await ask<number>(vendor, { count: true }, 'count');
    const ledgerBefore =
      target.name === 'gateway' ? await ask<number>(gateway, { ledger: true }, 'ledger') : 0;
    const r = wrk(target, connections, seconds, `${target.name}-${run}`);
    const served = (await ask<number>(vendor, { count: true }, 'count')) - before;
    const ok = r.requests - r.non2xx;
    if (r.non2xx || r.socket_errors)
      log(`  ${target.name} ${run}: ${r.non2xx} non-2xx, ${r.socket_errors} socket errors`);
    // A request still in flight when wrk stops reaches the vendor but is not counted by wrk: served >= ok.
    if (target.name !== 'direct' && served < ok)
      throw new Error(
        `${target.name} ${run}: returned ${ok} 200s but the vendor served only ${served}: something answered without calling the vendor`,
      );
    if (target.name === 'gateway') {
      const ledger = (await ask<number>(gateway, { ledger: true }, 'ledger')) - ledgerBefore;
      if (ledger < ok) throw new Error(`gateway ${run}: ${ok} 200s but only ${ledger} ledger entries`);
    }
    log(
      `  ${target.name} ${run}: ${ok} ok in ${round(r.duration_us / 1e6, 1)} s (vendor served ${served}), p50 ${round(r.p50_us / 1000)} ms, p99 ${round(r.p99_us / 1000)} ms`,
    );
    return r;
  };
  await ask(vendor, { latencyMs: 0 }, 'ok');
  wrk(target, 50, 2, `${target.name}-warm`);
  const c50 = await checked(50, SECONDS, '50c-0ms');
  const c1 = await checked(1, SECONDS, '1c-0ms');
  await ask(vendor, { latencyMs: 50 }, 'ok');
  const slow = await checked(50, SECONDS, '50c-50ms');
  await ask(vendor, { latencyMs: 0 }, 'ok');
  return {
    rps_50c_0ms: rps(c50),
    rps_50c_50ms: rps(slow),
    p50_1c_ms: round(c1.p50_us / 1000),
    p99_1c_ms: round(c1.p99_us / 1000),
    p99_50c_50ms: round(slow.p99_us / 1000),
    rss_mb: peakRssMb(target.pid),
  };
}

async function main(): Promise<void> {
  ensureWrk();
  ensurePortkey();
  const vendor = await forkTs('vendor-process.ts');
  const gateway = await forkTs('gateway-process.ts', [vendor.url]);
  const portkey = await startPortkey();
  const children = [vendor.child, gateway.child, portkey.child];
  try {
    const targets: Target[] = [
      {
        name: 'direct',
        url: vendor.url,
        headers: { authorization: 'Bearer sk-bench-vendor-key' },
        pid: vendor.child.pid!,
      },
      {
        name: 'gateway',
        url: gateway.url,
        headers: { authorization: `Bearer ${BENCH_KEY}` },
        pid: gateway.child.pid!,
      },
      {
        name: 'portkey',
        url: portkey.url,
        pid: portkey.child.pid!,
        headers: {
          authorization: 'Bearer sk-bench-vendor-key',
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `${vendor.url}/v1`,
        },
      },
    ];
    const results: Record<string, Figures> = {};
    for (const target of targets) {
      log(`${target.name}:`);
      results[target.name] = await measure(target, vendor.child, gateway.child);
    }
    const d = results.direct;
    const g = results.gateway;
    const p = results.portkey;
    log('goals:');
    log(
      `  rps_50c_0ms >= 4x Portkey: ${g.rps_50c_0ms} vs ${4 * p.rps_50c_0ms} -> ${g.rps_50c_0ms >= 4 * p.rps_50c_0ms ? 'met' : 'missed'}`,
    );
    log(
      `  added p50 at 1c <= 0.3 ms: ${round(g.p50_1c_ms - d.p50_1c_ms)} ms -> ${g.p50_1c_ms - d.p50_1c_ms <= 0.3 ? 'met' : 'missed'} (Portkey adds ${round(p.p50_1c_ms - d.p50_1c_ms)} ms)`,
    );
    log(
      `  50 ms vendor throughput >= 0.98 of direct: ${round(g.rps_50c_50ms / d.rps_50c_50ms)} -> ${g.rps_50c_50ms >= 0.98 * d.rps_50c_50ms ? 'met' : 'missed'} (Portkey ${round(p.rps_50c_50ms / d.rps_50c_50ms)})`,
    );
    log(
      `  50 ms vendor p99 within 3 ms of direct: +${round(g.p99_50c_50ms - d.p99_50c_50ms)} ms -> ${g.p99_50c_50ms - d.p99_50c_50ms <= 3 ? 'met' : 'missed'} (Portkey +${round(p.p99_50c_50ms - d.p99_50c_50ms)} ms)`,
    );
    log(JSON.stringify({ bench: 'gateway', direct: d, gateway: g, portkey: p }));
  } finally {
    for (const child of children) child.kill();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
