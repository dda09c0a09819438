import type { Node } from 'yaml';
import type { RunLevelAction } from '@agentflow/contracts';
import type { ProviderCatalog } from './providers';
import type { Field, SourceFile } from './source';
import { didYouMean } from './suggest';

const FALLBACK_KEYS = ['if', 'use', 'model', 'notify', 'continue'];

/** One `fallback:` rule after name resolution (`*` stands for `any.fails`). */
export interface FallbackRule {
  provider: string | '*';
  use?: { provider: string; node: Node; model?: string };
  notify?: string;
  continue: boolean;
}

/**
 * Reads `fallback:`. `use:` rules become links of each step's provider chain (the gateway walks it);
 * `notify:` / `continue:` rules become the plan's run-level actions.
 */
export function readFallback(
  src: SourceFile,
  f: Map<string, Field>,
  providers: ProviderCatalog,
): { rules: FallbackRule[]; actions: RunLevelAction[] } {
  const rules: FallbackRule[] = [];
  const actions: RunLevelAction[] = [];
  const field = f.get('fallback');
  if (!field) return { rules, actions };
  const uses = new Map<string, Node>();
  for (const item of src.list(field.value, '`fallback`') ?? []) {
    const r = src.map(
      item,
      'a fallback rule (`- if: claude-api.fails` with `use:` or `notify:`)',
      FALLBACK_KEYS,
    );
    if (!r) continue;
    const ifField = r.get('if');
    if (!ifField) {
      src.error(item, 'a fallback rule needs `if: <provider>.fails`');
      continue;
    }
    const cond = src.string(ifField.value, '`if` of a fallback rule');
    if (cond === undefined) continue;
    const m = /^\s*([A-Za-z0-9_*-]+)\.(fails)\s*$/.exec(cond);
    if (!m) {
      const near = /^\s*([A-Za-z0-9_*-]+)\.(fail|failed|failure|fails?)\s*$/.exec(cond);
      const fix = near
        ? `did you mean \`${near[1]}.fails\`?`
        : 'write `<provider>.fails` (for example `claude-api.fails`, or `any.fails`)';
      src.error(ifField.value, `a fallback rule's \`if\` \`${cond}\` is not a provider failure; ${fix}`);
      continue;
    }
    let provider: string | '*';
    if (m[1] === 'any' || m[1] === '*') provider = '*';
    else {
      const resolved = providers.resolve(m[1]);
      if (!resolved) {
        src.errorInside(
          ifField.value!,
          0,
          `unknown provider \`${m[1]}\`${didYouMean(m[1], providers.names())}`,
        );
        continue;
      }
      provider = resolved;
    }
    const rule: FallbackRule = { provider, continue: true };
    const use = r.get('use');
    if (use) {
      const name = src.string(use.value, '`use`');
      const resolved = name === undefined ? undefined : providers.resolve(name);
      if (name !== undefined && !resolved)
        src.error(use.value, `unknown provider \`${name}\`${didYouMean(name, providers.names())}`);
      else if (resolved) {
        rule.use = { provider: resolved, node: use.value ?? use.key };
        const model = r.get('model');
        if (model) {
          const mv = src.string(model.value, '`model`');
          const rm = mv === undefined ? undefined : providers.resolveModel(resolved, mv);
          if (mv !== undefined && !rm)
            src.error(
              model.value,
              `provider \`${resolved}\` has no model \`${mv}\`${didYouMean(mv, Object.keys(providers.get(resolved)!.models))}`,
            );
          else if (rm) {
            if (rm.retiredFrom)
              src.warn(
                model.value,
                `model \`${rm.retiredFrom}\` is retired; using its successor \`${rm.model}\` (write \`model: ${rm.model}\` to silence this)`,
              );
            rule.use.model = rm.model;
            const life = providers.lifecycle(resolved, rm.model);
            if (life) (life.severity === 'error' ? src.error : src.warn).call(src, model.value, life.message);
          }
        }
        if (provider !== '*' && uses.has(provider))
          src.error(
            use.key,
            `provider \`${provider}\` already has a fallback (line ${src.position(uses.get(provider)!.range?.[0] ?? 0).line}); a provider falls back to one other`,
          );
        if (provider !== '*') uses.set(provider, use.key);
        if (resolved === provider)
          src.error(use.value, `provider \`${provider}\` cannot fall back to itself`);
      }
    } else if (r.get('model'))
      src.error(r.get('model')!.key, '`model` goes with `use:`; name the provider to fall back to');
    if (r.get('notify')) rule.notify = src.string(r.get('notify')!.value, '`notify`');
    if (r.get('continue')) rule.continue = src.boolean(r.get('continue')!.value, '`continue`') ?? true;
    if (!use && !r.get('notify') && !r.get('continue'))
      src.error(item, 'a fallback rule needs `use:` (another provider), `notify:` or `continue: false`');
    rules.push(rule);
    if (rule.notify !== undefined || !rule.continue) {
      const action: RunLevelAction = { ifProviderFails: provider, continue: rule.continue };
      if (rule.notify !== undefined) action.notify = rule.notify;
      actions.push(action);
    }
  }
  // A chain of `use:` that comes back to where it started would never end.
  const next = new Map(rules.filter((r) => r.use && r.provider !== '*').map((r) => [r.provider, r.use!]));
  for (const [start] of next) {
    let cur = start;
    const path = [start];
    for (let guard = 0; guard < next.size + 1; guard++) {
      const step = next.get(cur);
      if (!step) break;
      if (step.provider === start && path.length > 1) {
        if (start === [...path].sort()[0])
          src.error(
            step.node,
            `fallback rules loop (${[...path, start].join(' -> ')}); end the chain with \`notify:\` or \`continue: false\``,
          );
        break;
      }
      if (path.includes(step.provider)) break;
      path.push(step.provider);
      cur = step.provider;
    }
  }
  return { rules, actions };
}
