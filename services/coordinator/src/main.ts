// Process entry of the coordinator container image: `node services/coordinator/dist/main.js`.
import { exitOnStartupFailure, runService } from '@agentflow/service-kit';
import { coordinatorService } from './service';

runService(coordinatorService).catch(exitOnStartupFailure);
