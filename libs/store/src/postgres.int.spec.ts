import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DatabaseConfigError } from './errors';
import { openDatabase } from './open';
import { describeStoreContract } from './testing/store-contract';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

describeStoreContract('PostgreSQL', async () => {
  const schema = `t_store_${randomBytes(4).toString('hex')}`;
  return {
    open: () => openDatabase({ databaseUrl: DATABASE_URL, schema, maxConnections: 4 }),
    multipleHandles: true,
    cleanup: () => dropSchema(schema),
  };
});

describe('PostgreSQL options', () => {
  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(
      openDatabase({ databaseUrl: DATABASE_URL, schema: 'x"; DROP TABLE runs; --' }),
    ).rejects.toBeInstanceOf(DatabaseConfigError);
  });

  it('rejects a URL that is not postgres://', async () => {
    await expect(openDatabase({ databaseUrl: 'mysql://127.0.0.1/test' })).rejects.toThrow(
      /expected postgres:\/\//,
    );
  });
});
