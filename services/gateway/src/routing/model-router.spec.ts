import { testProviders } from '../testing/fixtures';
import { ModelRouter } from './model-router';

describe('ModelRouter', () => {
  const config = testProviders('http://127.0.0.1:1');
  config.providers.anthropic.retired = { 'claude-3-sonnet': 'claude-sonnet-4-5' };
  const router = new ModelRouter(config, 0.2);
  const chain = [
    { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    { provider: 'openai', model: 'gpt-4.1' },
  ];

  it('keeps the chain when the complexity needs it and the budget is fine', () => {
    expect(router.route(chain, 'medium', 1)).toEqual(chain);
  });
  it('picks the cheaper tier a simple request needs', () => {
    expect(router.route(chain, 'simple', 1)[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-small',
      reason: 'tier',
    });
  });
  it('downgrades a tier when the budget runs low', () => {
    expect(router.route(chain, 'medium', 0.1)[0]).toMatchObject({
      model: 'claude-small',
      reason: 'budget-low',
    });
  });
  it('maps a retired model to its successor', () => {
    expect(
      router.route([{ provider: 'anthropic', model: 'claude-3-sonnet' }], undefined, 1)[0],
    ).toMatchObject({ model: 'claude-sonnet-4-5', reason: 'retired' });
  });
  it('offers larger windows for the data class, same provider first', () => {
    const larger = router.largerWindow(
      { provider: 'anthropic', model: 'claude-small' },
      100,
      'internal',
      new Set(['anthropic/claude-small']),
    );
    expect(larger[0].provider).toBe('anthropic');
    expect(larger.every((t) => router.contextWindow(t.provider, t.model) > 100)).toBe(true);
    expect(
      router
        .largerWindow({ provider: 'anthropic', model: 'claude-small' }, 100, 'restricted', new Set())
        .map((t) => t.provider),
    ).toEqual(['eu-only']);
  });
});
