import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The vendored SARIF 2.1.0 schema (see libs/mobile/schemas/README.md; the path works from src/ and dist/ alike), with its draft-04 root keywords renamed
 * for draft-07 validators such as Ajv 8. The schema body uses no draft-04-only constructs
 * (no boolean `exclusiveMinimum`), so the rename is the whole conversion.
 */
export function loadSarifSchema(): Record<string, unknown> {
  const schema = JSON.parse(
    readFileSync(join(__dirname, '../../schemas/sarif-schema-2.1.0-rtm.5.json'), 'utf8'),
  ) as Record<string, unknown>;
  const { id, $schema: _draft04, ...rest } = schema;
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: id, ...rest };
}
