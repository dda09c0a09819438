/**
 * Bearer tokens for the CI API, scoped to repositories and a role. Only the sha256 of a token is
 * stored; the admin token from `AGENTFLOW_API_TOKEN` is never stored and creates the others.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SqlDatabase } from '@agentflow/store';

export const API_ROLES = ['admin', 'ci', 'reader'] as const;
/** `admin`: everything, tokens included. `ci`: start runs and upload artifacts. `reader`: read runs. */
export type ApiRole = (typeof API_ROLES)[number];
export type ApiAction = 'admin' | 'start' | 'upload' | 'read';

export interface ApiPrincipal {
  tokenId: string;
  name: string;
  role: ApiRole;
  /** Repositories (`owner/name`, globs with a trailing `*`) or `*`. */
  repos: string[];
}

const ALLOWED: Record<ApiRole, ApiAction[]> = {
  admin: ['admin', 'start', 'upload', 'read'],
  ci: ['start', 'upload', 'read'],
  reader: ['read'],
};

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function mayAct(principal: ApiPrincipal, action: ApiAction, repo?: string): boolean {
  if (!ALLOWED[principal.role].includes(action)) return false;
  if (principal.role === 'admin' || repo === undefined) return true;
  return principal.repos.some(
    (r) => r === '*' || r === repo || (r.endsWith('*') && repo.startsWith(r.slice(0, -1))),
  );
}

export class ApiTokenStore {
  private readonly adminHash?: Buffer;

  constructor(
    private readonly db: SqlDatabase,
    adminToken?: string,
  ) {
    this.adminHash = adminToken ? createHash('sha256').update(adminToken).digest() : undefined;
  }

  /** The principal of an `Authorization: Bearer` header, or null. */
  async authenticate(authorization: string | undefined): Promise<ApiPrincipal | null> {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return null;
    const token = m[1];
    const hash = createHash('sha256').update(token).digest();
    if (this.adminHash && timingSafeEqual(hash, this.adminHash))
      return { tokenId: 'bootstrap', name: 'AGENTFLOW_API_TOKEN', role: 'admin', repos: ['*'] };
    const { rows } = await this.db.query<{ id: string; name: string; role: ApiRole; repos: string[] }>(
      `UPDATE ingress_api_tokens SET last_used_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL RETURNING id, name, role, repos`,
      [hash.toString('hex')],
    );
    const row = rows[0];
    return row ? { tokenId: row.id, name: row.name, role: row.role, repos: row.repos } : null;
  }

  /** Creates a token; the plain token is returned once and never stored. */
  async create(input: {
    name: string;
    role: ApiRole;
    repos: string[];
  }): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const token = `aft_${randomBytes(32).toString('base64url')}`;
    await this.db.query(
      'INSERT INTO ingress_api_tokens (id, name, token_sha256, role, repos) VALUES ($1, $2, $3, $4, $5)',
      [id, input.name, sha256(token), input.role, input.repos],
    );
    return { id, token };
  }

  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE ingress_api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    return rowCount > 0;
  }
}
