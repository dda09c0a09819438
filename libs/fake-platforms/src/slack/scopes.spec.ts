/**
 * The fake Slack answers a token's scopes as Slack does: `x-oauth-scopes` on every Web API answer,
 * and `missing_scope` with `needed` and `provided` for a method the token may not call.
 */
import { WebClient } from '@slack/web-api';
import { FULL_BOT_SCOPES, startFakeSlack, type FakeSlack } from './server';

describe('fake Slack scopes', () => {
  let full: FakeSlack;
  let narrow: FakeSlack;

  beforeAll(async () => {
    [full, narrow] = await Promise.all([startFakeSlack(), startFakeSlack({ scopes: ['chat:write'] })]);
  });
  afterAll(async () => {
    await Promise.all([full.close(), narrow.close()]);
  });

  it('names the granted scopes in x-oauth-scopes', async () => {
    const res = await fetch(`${full.apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-1' },
    });
    expect(res.headers.get('x-oauth-scopes')).toBe(FULL_BOT_SCOPES.join(','));
  });

  it('refuses a method whose scope the token lacks, as the official SDK reports it', async () => {
    const client = new WebClient('xoxb-1', { slackApiUrl: narrow.apiUrl, retryConfig: { retries: 0 } });
    await expect(client.chat.postMessage({ channel: '#reviews', text: 'hi' })).resolves.toMatchObject({
      ok: true,
    });
    await expect(client.conversations.history({ channel: 'C0FAKE00001' })).rejects.toMatchObject({
      code: 'slack_webapi_platform_error',
      data: {
        ok: false,
        error: 'missing_scope',
        needed: 'channels:history,groups:history',
        provided: 'chat:write',
      },
    });
  });
});
