import { resolveAgentType } from '@agentflow/contracts';
import type { AgentDeclarations, AgentDefinition } from './agents';
import type { Diagnostic } from './diagnostics';
import type { ProviderCatalog } from './providers';
import { didYouMean } from './suggest';

/**
 * Checks `agents.yml` against the catalogue and `providers.yml` once, when the project loads, so a
 * mistake there is reported once at its own line rather than from every workflow that uses it.
 */
export function checkAgentDeclarations(
  declarations: AgentDeclarations,
  providers: ProviderCatalog,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (def: AgentDefinition, isDefaults: boolean): void => {
    const src = def.src;
    const before = src.diagnostics.length;
    let usesModel = true;
    if (!isDefaults) {
      const spec = def.type ? resolveAgentType(def.type.value) : resolveAgentType(def.name.value);
      if (!spec) {
        if (def.type) src.error(def.type.node, `unknown agent type \`${def.type.value}\``);
        else
          src.error(
            def.name.node,
            `agent \`${def.name.value}\` is not a catalogue name; give it a \`type:\``,
          );
      } else {
        usesModel = spec.usesModel;
        for (const task of def.tasks ?? []) {
          if (!spec.tasks.includes(task.value))
            src.error(
              task.node,
              `agent type \`${spec.id}\` has no task \`${task.value}\`${didYouMean(task.value, spec.tasks)}`,
            );
        }
      }
    }
    const serviceName =
      def.service?.value ?? (isDefaults ? undefined : declarations.defaults?.service?.value);
    let provider: string | undefined;
    if (def.service) {
      provider = providers.resolve(def.service.value);
      if (!provider)
        src.error(
          def.service.node,
          `unknown provider \`${def.service.value}\`${didYouMean(def.service.value, providers.names())}`,
        );
      else if (!usesModel)
        src.warn(def.service.node, `agent \`${def.name.value}\` uses no model; \`service\` is ignored`);
    } else if (serviceName) provider = providers.resolve(serviceName);
    if (def.model && provider && usesModel) {
      const resolved = providers.resolveModel(provider, def.model.value);
      if (!resolved)
        src.error(
          def.model.node,
          `provider \`${provider}\` has no model \`${def.model.value}\`${didYouMean(def.model.value, Object.keys(providers.get(provider)?.models ?? {}))}`,
        );
      else if (resolved.retiredFrom)
        src.warn(
          def.model.node,
          `model \`${resolved.retiredFrom}\` is retired; using its successor \`${resolved.model}\` (write \`model: ${resolved.model}\` to silence this)`,
        );
      const life = resolved && providers.lifecycle(provider, resolved.model);
      if (life) (life.severity === 'error' ? src.error : src.warn).call(src, def.model.node, life.message);
    }
    out.push(...src.diagnostics.splice(before));
  };
  if (declarations.defaults) check(declarations.defaults, true);
  for (const def of declarations.agents.values()) check(def, false);
  return out;
}
