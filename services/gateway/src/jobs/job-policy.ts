/**
 * Job-style providers are off until policy allows them: Cursor clones whole repositories and a
 * testing-AI vendor receives the app. A provider is allowed only when providers.yml says
 * `enabled: true` for it and lists the request's data class; both are read once at start-up.
 */
import type { ProviderConfig } from '@agentflow/contracts';
import { JobPolicyDenied } from './job-errors';

export class JobPolicy {
  constructor(private readonly providers: Record<string, ProviderConfig>) {}

  check(provider: string, dataClass: string): void {
    const config = this.providers[provider];
    if (!config) return;
    if (config.enabled !== true) {
      throw new JobPolicyDenied(`provider ${provider} is a job-style vendor and is off; set enabled: true for it in providers.yml once policy allows it`);
    }
    if (!config.dataClasses.includes(dataClass)) {
      throw new JobPolicyDenied(`provider ${provider} may not receive ${dataClass} data (allowed: ${config.dataClasses.join(', ') || 'none'})`);
    }
  }
}
