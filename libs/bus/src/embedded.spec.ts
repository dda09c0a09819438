import { describeBusContract } from './testing/bus-contract';
import { EmbeddedBus } from './embedded/embedded-bus';

// No dead-letter subject given: provisionTopology records the prefixed topology's routes.
describeBusContract('embedded', async () => new EmbeddedBus());
