import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { GitHubOctokits } from '@agentflow/repo';
import type { ServiceContext, ServiceDefinition } from '@agentflow/service-kit';
import { createLogger } from '@agentflow/telemetry';
import { loadNeverSentPaths } from '@agentflow/workflow';
import { MobileRulesAnalyzer } from './analysis/mobile-analyzer';
import { BusCiArtifactStore } from './artifacts/report-files';
import { readAgentsConfig, type AgentsConfig } from './config';
import { BpeTokenCounter } from './context/tokens';
import { BatchModelGateway } from './jobs/batch-gateway';
import { JobChannel } from './jobs/job-channel';
import { JobStepRunner } from './jobs/job-step';
import { JobStepKinds } from './jobs/job-step-kinds';
import { BusModelGateway } from './gateway/model-gateway';
import { BusPushFiles, SqlPushQuota } from './push/push-files';
import { CheckoutCache, platformRemote } from './repo/checkout-cache';
import { PlatformReaderFactory } from './repo/reader-factory';
import { AgentWorker } from './runtime/agent-worker';
import { TaskRunner } from './runtime/task-runner';

const CONTEXT = Symbol('AgentsServiceContext');
const CONFIG = Symbol('AgentsConfig');

/** The test runner's clones, fetched with the same platform credentials the readers use. */
function gitCacheOf(config: AgentsConfig): CheckoutCache {
  const octokits = new GitHubOctokits(config.platforms.github);
  const githubToken = async (installationId: number | undefined) => {
    if (!octokits.configured) return undefined;
    const auth = (await (await octokits.forInstallation(installationId)).auth({ type: 'installation' })) as {
      token?: string;
    };
    return auth.token;
  };
  const remote = platformRemote({
    template: config.gitCache.remoteTemplate,
    githubWebUrl: config.gitCache.githubWebUrl,
    githubToken,
    gitlabUrl: config.platforms.gitlab.url,
    gitlabToken: config.platforms.gitlab.token,
  });
  return new CheckoutCache({
    dir: config.gitCache.dir,
    maxRepos: config.gitCache.maxRepos,
    remote,
    log: createLogger('agents.git-cache'),
  });
}

/** Builds the worker from the shared context: the one place the agents' ports meet their implementations. */
export function createAgentWorker(
  ctx: Pick<ServiceContext, 'bus' | 'messenger' | 'topology' | 'db'>,
  config: AgentsConfig,
): AgentWorker {
  const channel = new JobChannel({ bus: ctx.bus, topology: ctx.topology, pollMs: config.jobPollMs });
  const kinds = JobStepKinds.fromFile(config.providersFile);
  const runner = new TaskRunner({
    readers: new PlatformReaderFactory({
      checkoutsDir: config.checkoutsDir,
      platforms: config.platforms,
      gitCache: gitCacheOf(config),
    }),
    gateway: new BusModelGateway(ctx.bus, ctx.topology),
    batchGateway:
      config.batch === 'vendor'
        ? (task, live, onWaiting) => new BatchModelGateway({ channel, kinds, live, task, onWaiting })
        : undefined,
    analyzer: new MobileRulesAnalyzer(),
    tokens: new BpeTokenCounter(),
    push: new BusPushFiles(ctx.messenger, ctx.topology),
    pushQuota: new SqlPushQuota(ctx.db),
    ciArtifacts: new BusCiArtifactStore(ctx.bus, ctx.topology),
    jobs: new JobStepRunner({ channel, kinds, gitlabUrl: config.platforms.gitlab.url }),
    neverSent: loadNeverSentPaths(config.neverSent),
  });
  return new AgentWorker(ctx.bus, ctx.messenger, ctx.topology, runner, {
    agentTypes: config.agentTypes,
    concurrency: config.concurrency,
  });
}

@Injectable()
class AgentsRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly worker: AgentWorker;

  constructor(@Inject(CONTEXT) ctx: ServiceContext, @Inject(CONFIG) config: AgentsConfig) {
    this.worker = createAgentWorker(ctx, config);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}

@Module({})
class AgentsModule {}

/** The agents service as the runtime sees it (see ServiceDefinition). `AGENT_TYPES` selects the consumers. */
export const agentsService: ServiceDefinition = {
  name: 'agents',
  module: (ctx) => {
    const config = readAgentsConfig(ctx.env);
    return {
      module: AgentsModule,
      providers: [{ provide: CONTEXT, useValue: ctx }, { provide: CONFIG, useValue: config }, AgentsRuntime],
    };
  },
};
