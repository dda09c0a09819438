import { EmbeddedBus } from '../embedded/embedded-bus';
import { describeNestTransport } from '../testing/nest-transport-suite';

describeNestTransport('the embedded bus', async () => new EmbeddedBus());
