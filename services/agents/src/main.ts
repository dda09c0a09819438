// Process entry of the agents container image: `node services/agents/dist/main.js`.
import { exitOnStartupFailure, runService } from '@agentflow/service-kit';
import { agentsService } from './service';

runService(agentsService).catch(exitOnStartupFailure);
