/**
 * Reads many blobs through one `git cat-file --batch` process instead of one process per file:
 * spawning git costs tens of milliseconds on a busy machine, and a review reads dozens of files.
 * The process ends itself after a short idle time, so nothing outlives the work.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

interface Pending {
  resolve: (value: Buffer | null) => void;
  reject: (error: Error) => void;
}

export class CatFileBatch {
  private proc?: ChildProcessByStdio<Writable, Readable, null>;
  private buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private idle?: NodeJS.Timeout;

  constructor(
    private readonly root: string,
    private readonly idleMs = 1_000,
  ) {}

  /** The object's bytes (`<sha>:<path>`), or null when it does not exist. */
  read(object: string): Promise<Buffer | null> {
    const proc = this.start();
    if (this.idle) clearTimeout(this.idle);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      proc.stdin.write(`${object}\n`);
    });
  }

  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.proc?.stdin.end();
    this.proc = undefined;
  }

  private start(): ChildProcessByStdio<Writable, Readable, null> {
    if (this.proc) return this.proc;
    const proc = spawn('git', ['-C', this.root, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.proc = proc;
    this.buffer = Buffer.alloc(0);
    proc.stdout.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    const fail = (error: Error) => {
      if (this.proc === proc) this.proc = undefined;
      for (const p of this.pending.splice(0)) p.reject(error);
    };
    proc.on('error', fail);
    proc.on('exit', (code) => fail(new Error(`git cat-file --batch exited with ${code}`)));
    proc.unref();
    return proc;
  }

  private drain(): void {
    for (;;) {
      const newline = this.buffer.indexOf(10);
      if (newline < 0) return;
      const header = this.buffer.subarray(0, newline).toString('utf8');
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.buffer = this.buffer.subarray(newline + 1);
        this.pending.shift()?.resolve(null);
      } else {
        const size = Number(header.split(' ')[2]);
        if (this.buffer.length < newline + 1 + size + 1) return;
        const body = Buffer.from(this.buffer.subarray(newline + 1, newline + 1 + size));
        this.buffer = this.buffer.subarray(newline + 1 + size + 1);
        this.pending.shift()?.resolve(body);
      }
      if (this.pending.length === 0) {
        this.idle = setTimeout(() => this.close(), this.idleMs);
        this.idle.unref();
      }
    }
  }
}
