// Process entry of the gateway container image: `node services/gateway/dist/main.js`.
import { exitOnStartupFailure, runService } from '@agentflow/service-kit';
import { gatewayService } from './service';

runService(gatewayService).catch(exitOnStartupFailure);
