// Process entry of the ingress container image: `node services/ingress/dist/main.js`.
import { exitOnStartupFailure, runService } from '@agentflow/service-kit';
import { ingressService } from './service';

runService(ingressService).catch(exitOnStartupFailure);
