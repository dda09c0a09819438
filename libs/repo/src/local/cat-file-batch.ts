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

/** One git process and what it still owes; a new process never inherits an old one's callers. */
interface BatchProcess {
  proc: ChildProcessByStdio<Writable, Readable, null>;
  buffer: Buffer;
  pending: Pending[];
}

export class CatFileBatch {
  private current?: BatchProcess;
  private idle?: NodeJS.Timeout;

  constructor(
    private readonly root: string,
    private readonly idleMs = 1_000,
  ) {}

  /** The object's bytes (`<sha>:<path>`), or null when it does not exist. */
  read(object: string): Promise<Buffer | null> {
    if (this.idle) clearTimeout(this.idle);
    const batch = this.start();
    return new Promise((resolve, reject) => {
      batch.pending.push({ resolve, reject });
      batch.proc.stdin.write(`${object}\n`);
    });
  }

  close(): void {
    if (this.idle) clearTimeout(this.idle);
    // Ending stdin lets git answer what it was asked, then exit.
    this.current?.proc.stdin.end();
    this.current = undefined;
  }

  private start(): BatchProcess {
    if (this.current) return this.current;
    const proc = spawn('git', ['-C', this.root, 'cat-file', '--batch'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const batch: BatchProcess = { proc, buffer: Buffer.alloc(0), pending: [] };
    this.current = batch;
    proc.stdout.on('data', (chunk: Buffer) => {
      batch.buffer = Buffer.concat([batch.buffer, chunk]);
      this.drain(batch);
    });
    const fail = (error: Error) => {
      if (this.current === batch) this.current = undefined;
      for (const p of batch.pending.splice(0)) p.reject(error);
    };
    proc.on('error', fail);
    proc.on('exit', (code) => fail(new Error(`git cat-file --batch in ${this.root} exited with ${code}`)));
    proc.unref();
    return batch;
  }

  private drain(batch: BatchProcess): void {
    for (;;) {
      const newline = batch.buffer.indexOf(10);
      if (newline < 0) return;
      const header = batch.buffer.subarray(0, newline).toString('utf8');
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        batch.buffer = batch.buffer.subarray(newline + 1);
        batch.pending.shift()?.resolve(null);
      } else {
        const size = Number(header.split(' ')[2]);
        if (batch.buffer.length < newline + 1 + size + 1) return;
        const body = Buffer.from(batch.buffer.subarray(newline + 1, newline + 1 + size));
        batch.buffer = batch.buffer.subarray(newline + 1 + size + 1);
        batch.pending.shift()?.resolve(body);
      }
      if (batch.pending.length === 0 && this.current === batch) {
        if (this.idle) clearTimeout(this.idle);
        this.idle = setTimeout(() => this.close(), this.idleMs);
        this.idle.unref();
      }
    }
  }
}
