import { JetStreamBus } from '../jetstream-bus';
import { describeNestTransport } from '../testing/nest-transport-suite';

describeNestTransport('JetStream', () =>
  JetStreamBus.connect({
    servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'nest-transport-test',
  }),
);
