/**
 * Child process of company-proxy.spec.ts: makes one call with each outbound client agentflow
 * uses (a vendor SDK, the gateway's pooled vendor client, Octokit, the Slack SDK) the way the
 * services do at start-up, with the proxy installed from HTTPS_PROXY, and prints what happened
 * as one JSON line. Each result is `ok` or the error's message.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Octokit } from '@octokit/rest';
import { WebClient } from '@slack/web-api';
import { installOutboundProxy } from '@agentflow/service-kit';
import { PooledVendorClient } from '../../services/gateway/src/http/vendor-pool/pooled-vendor-client';

async function attempt(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return `${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
  }
}

async function main(): Promise<void> {
  const proxy = installOutboundProxy(process.env);
  const results = {
    proxy,
    anthropicSdk: await attempt(() =>
      new Anthropic({
        apiKey: 'sk-ant-test',
        baseURL: 'https://api.anthropic.test',
        maxRetries: 0,
      }).messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ),
    pooledVendor: await attempt(async () => {
      const client = new PooledVendorClient('https://api.openai.test', 'x-request-id', 4);
      try {
        await client.postJson(
          '/v1/chat/completions',
          { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
          { model: 'gpt-5.4', messages: [] },
          new AbortController().signal,
          10_000,
        );
      } finally {
        await client.close();
      }
    }),
    octokit: await attempt(() =>
      new Octokit({ baseUrl: 'https://api.github.test', auth: 'ghp_test' }).rest.repos.get({
        owner: 'acme',
        repo: 'ios-app',
      }),
    ),
    slack: await attempt(() =>
      new WebClient('xoxb-test', {
        slackApiUrl: 'https://slack.test/api/',
        retryConfig: { retries: 0 },
      }).chat.postMessage({ channel: 'C1', text: 'hi' }),
    ),
  };
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main();
