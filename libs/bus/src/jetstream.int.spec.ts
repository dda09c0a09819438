import { describeBusContract } from './testing/bus-contract';
import { JetStreamBus } from './jetstream-bus';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

// No dead-letter subject given: provisionTopology records the prefixed topology's routes.
describeBusContract('JetStream', () => JetStreamBus.connect({ servers: NATS_URL, name: 'bus-contract' }));
