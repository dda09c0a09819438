import { DatabaseConfigError } from './errors';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Schema names end up in `search_path` and in DDL, where parameters are not allowed; only plain
 * lower-case identifiers are accepted so no quoting rule can be got wrong.
 */
export function assertIdentifier(name: string, what: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new DatabaseConfigError(
      `${what} "${name}" is not a plain identifier; use lower-case letters, digits and _ (at most 63, not starting with a digit)`,
    );
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
