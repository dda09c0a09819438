// Process entry of the notifier container image: `node services/notifier/dist/main.js`.
import { exitOnStartupFailure, runService } from '@agentflow/service-kit';
import { notifierService } from './service';

runService(notifierService).catch(exitOnStartupFailure);
