/**
 * Anthropic through Google Vertex AI, so the data stays in the Google Cloud region chosen. Auth is
 * Application Default Credentials unless an auth client is given (tests, workload identity setups).
 */
import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';
import type Anthropic from '@anthropic-ai/sdk';

export interface VertexClientOptions {
  projectId: string;
  region: string;
  baseURL?: string;
  timeoutMs: number;
  /** Anything with `getRequestHeaders()`, as google-auth-library's clients have. */
  authClient?: ConstructorParameters<typeof AnthropicVertex>[0] extends infer O
    ? O extends { authClient?: infer A }
      ? A
      : never
    : never;
  logger: Anthropic['logger'];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'off';
}

export function createVertexClient(o: VertexClientOptions): AnthropicVertex {
  return new AnthropicVertex({
    projectId: o.projectId,
    region: o.region,
    baseURL: o.baseURL,
    maxRetries: 0,
    timeout: o.timeoutMs,
    ...(o.authClient ? { authClient: o.authClient } : {}),
    logger: o.logger,
    logLevel: o.logLevel,
  });
}
