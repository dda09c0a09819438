/**
 * Redaction checked where it matters: on the raw bytes the fake vendor received, for each kind of
 * secret that once leaked (leak-cases.ts), through both HTTP dialects and every part of a request
 * that carries text (plain, streamed, content parts, system prompt).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { MemoryRecordSink } from '../cost/record-sink';
import { Gateway } from '../gateway';
import { GatewayHttpFront } from '../http/http-front';
import { createGatewayHttpServer } from '../http/node-server';
import { MemoryKv } from '../testing/memory-kv';
import { ANTHROPIC_KEY, OPENAI_KEY, testEnv, testProviders, testSettings } from '../testing/fixtures';
import { KeyRequestRate } from '../virtual-keys/request-rate';
import { checkVirtualKeysFile, hashVirtualKey } from '../virtual-keys/virtual-keys';
import { LEAK_CASES } from './leak-cases';

const TEAM_KEY = 'vk-redaction-0123456789abcdef';

type Part = 'plain' | 'streamed' | 'content parts' | 'system prompt';
const PARTS: Part[] = ['plain', 'streamed', 'content parts', 'system prompt'];

/** A request body in the dialect's own shape with `text` in the named part; `nonce` defeats the cache. */
function openaiBody(text: string, part: Part, nonce: string): Record<string, unknown> {
  const user = `Review this change ${nonce}`;
  const messages =
    part === 'system prompt'
      ? [
          { role: 'system', content: `Context:\n${text}` },
          { role: 'user', content: user },
        ]
      : part === 'content parts'
        ? [
            {
              role: 'user',
              content: [
                { type: 'text', text: user },
                { type: 'text', text },
              ],
            },
          ]
        : [{ role: 'user', content: `${user}\n${text}` }];
  return { model: 'gpt-4.1', max_tokens: 100, messages, ...(part === 'streamed' ? { stream: true } : {}) };
}

function anthropicBody(text: string, part: Part, nonce: string): Record<string, unknown> {
  const user = `Review this change ${nonce}`;
  const body: Record<string, unknown> = { model: 'claude-sonnet-4-5', max_tokens: 100 };
  if (part === 'system prompt') {
    body.system = `Context:\n${text}`;
    body.messages = [{ role: 'user', content: user }];
  } else if (part === 'content parts') {
    body.messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: user },
          { type: 'text', text },
        ],
      },
    ];
  } else {
    body.messages = [{ role: 'user', content: `${user}\n${text}` }];
  }
  if (part === 'streamed') body.stream = true;
  return body;
}

describe('what the vendor receives through the gateway HTTP front', () => {
  let vendor: FakeVendorServer;
  let gateway: Gateway;
  let server: Server;
  let base: string;
  let seq = 0;

  beforeAll(async () => {
    vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
    const providers = testProviders(await vendor.start());
    gateway = new Gateway({
      providersConfig: providers,
      settings: testSettings(),
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      records: new MemoryRecordSink(),
      env: testEnv,
      logLevel: 'silent',
    });
    await gateway.start();
    const keys = checkVirtualKeysFile(
      { keys: [{ name: 'redaction', sha256: hashVirtualKey(TEAM_KEY), team: 'ios' }] },
      'test keys',
      providers,
    );
    server = createGatewayHttpServer(
      new GatewayHttpFront({
        gateway,
        keys,
        rate: new KeyRequestRate(),
        logger: gateway.logger,
        requestTimeoutMs: 20_000,
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.stop();
    await vendor.close();
  });

  beforeEach(() => vendor.reset());

  const dialects: Array<{
    name: string;
    path: string;
    route: 'openai' | 'anthropic';
    headers: Record<string, string>;
    body: typeof openaiBody;
  }> = [
    {
      name: 'OpenAI',
      path: '/v1/chat/completions',
      route: 'openai',
      headers: { authorization: `Bearer ${TEAM_KEY}` },
      body: openaiBody,
    },
    {
      name: 'Anthropic',
      path: '/v1/messages',
      route: 'anthropic',
      headers: { 'x-api-key': TEAM_KEY, 'anthropic-version': '2023-06-01' },
      body: anthropicBody,
    },
  ];

  for (const dialect of dialects) {
    describe(`${dialect.name} dialect`, () => {
      for (const part of PARTS) {
        it.each(LEAK_CASES)(
          `redacts a $kind in the ${part} before it reaches the vendor`,
          async ({ text, leak }) => {
            const res = await fetch(`${base}${dialect.path}`, {
              method: 'POST',
              headers: { ...dialect.headers, 'content-type': 'application/json' },
              body: JSON.stringify(dialect.body(text, part, `${dialect.name}-${part}-${++seq}`)),
            });
            const answer = await res.text();
            expect(res.status).toBe(200);
            const served = vendor.served(dialect.route);
            expect(served).toHaveLength(1);
            expect(served[0]!.rawBody).toContain('[REDACTED_SECRET_1]');
            expect(vendor.received(leak)).toBe(false);
            // Nor may the gateway's answer echo it back to the caller from its own logs or errors.
            expect(answer.includes(leak)).toBe(false);
          },
        );
      }
    });
  }
});
