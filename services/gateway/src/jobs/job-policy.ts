/**
 * Job-style providers are off until policy allows them: Cursor clones whole repositories and a
 * testing-AI vendor receives the app. A Cursor or http-job provider is allowed only when
 * providers.yml says `enabled: true` for it; a Batch API rides on a chat provider and is allowed
 * whenever that provider is (not `enabled: false`). Either way the request's data class must be
 * one the provider may receive.
 */
import { vendorCan, type ProviderConfig } from '@agentflow/contracts';
import { JobPolicyDenied } from './job-errors';

export class JobPolicy {
  constructor(private readonly providers: Record<string, ProviderConfig>) {}

  check(provider: string, dataClass: string): void {
    const config = this.providers[provider];
    // Not declared at all: the runner answers unknown_provider, which says what to fix.
    if (!config) return;
    const enabled = vendorCan(config.kind, 'offByDefault')
      ? config.enabled === true
      : config.enabled !== false;
    if (!enabled) {
      throw new JobPolicyDenied(
        `provider ${provider} (${config.kind}) is off; set enabled: true for it in providers.yml once policy allows it`,
      );
    }
    if (!config.dataClasses.includes(dataClass)) {
      throw new JobPolicyDenied(
        `provider ${provider} may not receive ${dataClass} data (allowed: ${config.dataClasses.join(', ') || 'none'})`,
      );
    }
  }
}
