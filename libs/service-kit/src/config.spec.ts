import { ConfigError } from '@agentflow/contracts';
import { readKitConfig } from './config';

describe('readKitConfig', () => {
  it('has defaults for one machine: port 3000, embedded bus, PGlite under .agentflow/data', () => {
    const config = readKitConfig({}, '/srv/app');
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      natsUrl: undefined,
      databaseUrl: undefined,
      dataDir: '/srv/app/.agentflow/data',
      busPrefix: 'af',
      shutdownTimeoutMs: 8000,
      logLevel: 'info',
      databasePoolSize: 10,
    });
  });

  it('reads the production variables', () => {
    const config = readKitConfig(
      {
        PORT: '8080',
        NATS_URL: 'nats://nats:4222,nats://nats-2:4222',
        DATABASE_URL: 'postgres://agentflow@db:5432/agentflow',
        AGENTFLOW_DATA_DIR: '/data',
        LOG_LEVEL: 'WARN',
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      port: 8080,
      natsUrl: 'nats://nats:4222,nats://nats-2:4222',
      databaseUrl: 'postgres://agentflow@db:5432/agentflow',
      dataDir: '/data',
      logLevel: 'warn',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT="eighty" is not valid: the HTTP port/],
    [{ PORT: '70000' }, /PORT="70000" is not valid/],
    [{ NATS_URL: 'http://nats:4222' }, /NATS_URL uses http:\/\/ but must be nats:\/\//],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
    [{ DATABASE_SCHEMA: 'Bad-Schema' }, /DATABASE_SCHEMA="Bad-Schema" is not a plain identifier/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud" is not one of/],
    [{ SHUTDOWN_TIMEOUT_MS: '-1' }, /SHUTDOWN_TIMEOUT_MS="-1" is not valid/],
  ])('names the variable and what to do for %j', (env, message) => {
    expect(() => readKitConfig(env)).toThrow(ConfigError);
    expect(() => readKitConfig(env)).toThrow(message);
  });
});
