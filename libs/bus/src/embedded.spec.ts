import { describeBusContract } from './testing/bus-contract';
import { EmbeddedBus } from './embedded/embedded-bus';

describeBusContract('embedded', async (topology) => new EmbeddedBus({ deadLetterSubject: topology.subjects.dlq }));
