/**
 * Which steps run as vendor jobs. A step is a job step when the first provider of its chain is a
 * job-style provider in providers.yml (kind `cursor` or `http-job`), or when the workflow marks it
 * with the step option `job: true` (for deployments whose agents do not read providers.yml).
 * It also says which chat providers have a Batch API, for `batch: true` steps.
 */
import { existsSync } from 'node:fs';
import {
  vendorCan,
  type PlanStep,
  type ProvidersConfig,
  type VendorCapabilities,
} from '@agentflow/contracts';
import { loadProvidersConfig } from '@agentflow/workflow';

export class JobStepKinds {
  private readonly jobProviders: ReadonlySet<string>;
  /** Undefined when no providers.yml was read: then every provider is offered and the gateway says which it has. */
  private readonly batchProviders: ReadonlySet<string> | undefined;

  constructor(config?: ProvidersConfig) {
    // Job kinds are served launch-and-poll; batch kinds have a Batch API the gateway speaks (the vendor manifests say which).
    const named = (capability: keyof VendorCapabilities) =>
      new Set(
        Object.entries(config?.providers ?? {})
          .filter(([, p]) => vendorCan(p.kind, capability))
          .map(([name]) => name),
      );
    this.jobProviders = named('job');
    this.batchProviders = config ? named('batch') : undefined;
  }

  /** Whether the gateway can send this provider's calls through its vendor's Batch API. */
  hasBatchApi(provider: string): boolean {
    return this.batchProviders?.has(provider) ?? true;
  }

  /**
   * Reads the providers.yml the gateway reads. A missing file is not an error here: the agents
   * then recognise job steps by `job: true` alone, and the gateway still refuses unknown providers.
   * An unreadable or invalid file is: the gateway would refuse it too.
   */
  static fromFile(path: string): JobStepKinds {
    return new JobStepKinds(existsSync(path) ? loadProvidersConfig(path) : undefined);
  }

  /** The provider that runs this step as a job, or undefined for a chat-model step. */
  jobProvider(step: PlanStep): string | undefined {
    const first = step.providers[0]?.provider;
    if (!first) return undefined;
    if (this.jobProviders.has(first) || step.options.job === true) return first;
    return undefined;
  }
}
