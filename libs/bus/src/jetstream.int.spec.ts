import { describeBusContract } from './testing/bus-contract';
import { JetStreamBus } from './jetstream-bus';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

describeBusContract('JetStream', (topology) => JetStreamBus.connect({ servers: NATS_URL, name: 'bus-contract', deadLetterSubject: topology.subjects.dlq }));
