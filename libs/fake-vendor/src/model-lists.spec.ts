import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeVendorServer } from './server';
import { DEFAULT_ACCOUNT_MODELS } from './model-lists';

describe('GET /v1/models on the fake vendor', () => {
  const vendor = new FakeVendorServer({ apiKeys: ['good-key'] });
  let anthropic: Anthropic;
  let openai: OpenAI;
  beforeAll(async () => {
    await vendor.start();
    anthropic = new Anthropic({ apiKey: 'good-key', baseURL: vendor.anthropicBaseUrl, maxRetries: 0 });
    openai = new OpenAI({ apiKey: 'good-key', baseURL: vendor.openaiBaseUrl, maxRetries: 0 });
  });
  afterAll(() => vendor.close());
  afterEach(() => {
    vendor.setAccountModels('anthropic', undefined).setAccountModels('openai', undefined);
  });

  it('lists a full account by default, through both official SDKs', async () => {
    const claude: string[] = [];
    for await (const m of anthropic.models.list()) claude.push(m.id);
    expect(claude).toEqual(DEFAULT_ACCOUNT_MODELS.anthropic);
    const gpt: string[] = [];
    for await (const m of openai.models.list()) gpt.push(m.id);
    expect(gpt).toEqual(DEFAULT_ACCOUNT_MODELS.openai);
  });

  it("pages Anthropic's list with has_more, first_id and last_id, as its API does", async () => {
    vendor.setAccountModels('anthropic', ['a', 'b', 'c', 'd', 'e']);
    const first = await fetch(`${vendor.url}/v1/models?limit=2`, {
      headers: { 'x-api-key': 'good-key', 'anthropic-version': '2023-06-01' },
    });
    expect(await first.json()).toEqual({
      data: [
        { type: 'model', id: 'a', display_name: 'A', created_at: expect.any(String) },
        { type: 'model', id: 'b', display_name: 'B', created_at: expect.any(String) },
      ],
      has_more: true,
      first_id: 'a',
      last_id: 'b',
    });
    const last = await (
      await fetch(`${vendor.url}/v1/models?limit=2&after_id=d`, {
        headers: { 'x-api-key': 'good-key', 'anthropic-version': '2023-06-01' },
      })
    ).json();
    expect(last).toMatchObject({ data: [{ id: 'e' }], has_more: false, first_id: 'e', last_id: 'e' });
    const back = await (
      await fetch(`${vendor.url}/v1/models?limit=2&before_id=d`, {
        headers: { 'x-api-key': 'good-key', 'anthropic-version': '2023-06-01' },
      })
    ).json();
    expect(back).toMatchObject({
      data: [{ id: 'b' }, { id: 'c' }],
      has_more: true,
      first_id: 'b',
      last_id: 'c',
    });
    // The SDK follows the pages by itself.
    const all: string[] = [];
    for await (const m of anthropic.models.list({ limit: 2 })) all.push(m.id);
    expect(all).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it("answers OpenAI's list shape: object list, entries of object model with created and owned_by", async () => {
    vendor.setAccountModels('openai', ['gpt-5.6-terra']);
    const body = await (
      await fetch(`${vendor.url}/v1/models`, { headers: { authorization: 'Bearer good-key' } })
    ).json();
    expect(body).toEqual({
      object: 'list',
      data: [{ id: 'gpt-5.6-terra', object: 'model', created: expect.any(Number), owned_by: 'system' }],
    });
  });

  it("refuses a wrong key with each vendor's 401, which the SDKs raise as AuthenticationError", async () => {
    const badAnthropic = new Anthropic({ apiKey: 'wrong', baseURL: vendor.anthropicBaseUrl, maxRetries: 0 });
    await expect(badAnthropic.models.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const badOpenai = new OpenAI({ apiKey: 'wrong', baseURL: vendor.openaiBaseUrl, maxRetries: 0 });
    await expect(badOpenai.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(vendor.count()).toBe(0); // list requests are counted apart from generations
    expect(vendor.listRequests()).toBeGreaterThan(0);
  });
});
