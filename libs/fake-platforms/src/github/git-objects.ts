/**
 * Real git object ids (SHA-1 of `<type> <size>\0<body>`) for the fake's git data API: blobs,
 * trees built from a file map (regular files, mode 100644, nested directories), and commits.
 * With them, a commit created through the fake has the SHA `git commit-tree` gives for the same
 * tree, parents, identity, time and message, so a client can check what it pushed.
 */
import { createHash } from 'node:crypto';

function objectId(type: 'blob' | 'tree' | 'commit', body: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
    .digest('hex');
}

/** A file's content: text (UTF-8) or bytes (an image, a keystore). */
export type FileContent = string | Uint8Array;

/** The content as git stores it: text encoded as UTF-8, bytes as they are. */
export function contentBytes(content: FileContent): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
}

export function blobSha(content: FileContent): string {
  return objectId('blob', contentBytes(content));
}

interface Dir {
  files: Map<string, FileContent>;
  dirs: Map<string, Dir>;
}

function treeOf(dir: Dir): string {
  // Git orders entries by name, a directory's name compared as if it ended in '/'.
  const entries = [
    ...[...dir.files].map(([name, content]) => ({ key: name, mode: '100644', name, sha: blobSha(content) })),
    ...[...dir.dirs].map(([name, sub]) => ({ key: `${name}/`, mode: '40000', name, sha: treeOf(sub) })),
  ].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  const body = Buffer.concat(
    entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex')])),
  );
  return objectId('tree', body);
}

/** The tree id of a file map (`path/to/file` -> content), as `git write-tree` computes it. */
export function treeSha(files: Record<string, FileContent>): string {
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const [path, content] of Object.entries(files)) {
    const parts = path.split('/');
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let next = dir.dirs.get(part);
      if (!next) dir.dirs.set(part, (next = { files: new Map(), dirs: new Map() }));
      dir = next;
    }
    dir.files.set(parts[parts.length - 1], content);
  }
  return treeOf(root);
}

export interface GitIdentity {
  name: string;
  email: string;
  /** Epoch seconds. */
  time: number;
  /** `+0000` style. */
  offset: string;
}

export function commitSha(
  tree: string,
  parents: string[],
  author: GitIdentity,
  committer: GitIdentity,
  message: string,
): string {
  const who = (w: GitIdentity) => `${w.name} <${w.email}> ${w.time} ${w.offset}`;
  const header = [
    `tree ${tree}`,
    ...parents.map((p) => `parent ${p}`),
    `author ${who(author)}`,
    `committer ${who(committer)}`,
  ].join('\n');
  return objectId('commit', Buffer.from(`${header}\n\n${message}`, 'utf8'));
}

/** A git data API identity (`{name, email, date}` with an ISO 8601 date) as a git identity; absent: the App bot now. */
export function identityFrom(value: unknown, fallback: { name: string; email: string }): GitIdentity {
  const v = (value ?? {}) as { name?: string; email?: string; date?: string };
  const date = v.date ? Date.parse(v.date) : Date.now();
  const offset = v.date?.match(/([+-])(\d{2}):?(\d{2})$/);
  return {
    name: v.name ?? fallback.name,
    email: v.email ?? fallback.email,
    time: Math.floor(date / 1000),
    offset: offset ? `${offset[1]}${offset[2]}${offset[3]}` : '+0000',
  };
}
