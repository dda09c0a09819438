import { ConfigError } from '@agentflow/contracts';
import { testProviders } from '../testing/fixtures';
import { KeyRequestRate } from './request-rate';
import { checkVirtualKeysFile, hashVirtualKey } from './virtual-keys';

const providers = testProviders('http://127.0.0.1:1');

describe('virtual keys file', () => {
  it('finds a key by its hash only, with its attribution and model globs', () => {
    const ring = checkVirtualKeysFile(
      {
        keys: [
          {
            name: 'ios',
            sha256: hashVirtualKey('vk-ios'),
            team: 'mobile',
            project: 'shop-ios',
            models: ['claude-*'],
          },
        ],
      },
      'keys.yml',
      providers,
    );
    const key = ring.find('vk-ios')!;
    expect(key).toMatchObject({
      name: 'ios',
      team: 'mobile',
      project: 'shop-ios',
      requestsPerMinute: 0,
      dataClass: 'internal',
    });
    expect(key.allows('claude-sonnet-4-5')).toBe(true);
    expect(key.allows('gpt-4.1')).toBe(false);
    expect(ring.find('vk-other')).toBeUndefined();
    expect(ring.find(undefined)).toBeUndefined();
  });

  it('finds a key presented again without hashing it again, and never remembers a wrong one', () => {
    const ring = checkVirtualKeysFile(
      { keys: [{ name: 'ios', sha256: hashVirtualKey('vk-ios'), team: 'mobile' }] },
      'keys.yml',
      providers,
    );
    const first = ring.find('vk-ios');
    expect(ring.find('vk-ios')).toBe(first);
    for (let i = 0; i < 3; i++) expect(ring.find('vk-guess')).toBeUndefined();
    expect((ring as unknown as { recent: Map<string, unknown> }).recent.has('vk-guess')).toBe(false);
  });

  it('refuses a key written in clear instead of its hash', () => {
    expect(() =>
      checkVirtualKeysFile({ keys: [{ name: 'ios', sha256: 'vk-ios-in-clear' }] }, 'keys.yml', providers),
    ).toThrow(/keys\[0\]\.sha256 must be the lower-case hex SHA-256/);
  });

  it('refuses a route to a provider model providers.yml does not configure', () => {
    const raw = { keys: [], routes: { fast: [{ provider: 'openai', model: 'gpt-9' }] } };
    expect(() => checkVirtualKeysFile(raw, 'keys.yml', providers)).toThrow(ConfigError);
  });

  it('routes a model by its route, else to every provider that lists it', () => {
    const ring = checkVirtualKeysFile(
      {
        keys: [],
        routes: {
          'gpt-4.1': [
            { provider: 'openai', model: 'gpt-4.1' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          ],
        },
      },
      'keys.yml',
      providers,
    );
    expect(ring.chain('gpt-4.1').map((t) => t.provider)).toEqual(['openai', 'anthropic']);
    expect(ring.chain('claude-haiku-4-5')).toEqual([{ provider: 'anthropic', model: 'claude-haiku-4-5' }]);
    expect(ring.chain('unknown')).toEqual([]);
  });
});

describe('KeyRequestRate', () => {
  it('allows the limit per minute, then says when the window rolls over', () => {
    let now = 60_000 * 100 + 45_000;
    const rate = new KeyRequestRate(() => now);
    expect(rate.take('ios', 2).allowed).toBe(true);
    expect(rate.take('ios', 2).allowed).toBe(true);
    expect(rate.take('ios', 2)).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect(rate.take('android', 2).allowed).toBe(true);
    now += 15_000;
    expect(rate.take('ios', 2).allowed).toBe(true);
  });

  it('treats 0 as unlimited', () => {
    const rate = new KeyRequestRate(() => 0);
    for (let i = 0; i < 1000; i++) expect(rate.take('k', 0).allowed).toBe(true);
  });
});
