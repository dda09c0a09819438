/**
 * The offline provider of the demo: a deterministic "simulated reviewer" that reads the prompt and
 * answers with plausible output. Everything it writes is labelled `[simulated]` so nobody mistakes
 * it for a model's review. Same prompt in, same answer out.
 */

export const SIMULATED_LABEL = '[simulated]';

interface ChangedFile {
  path: string;
  /** First added line of each hunk on the new side. */
  lines: number[];
}

type JsonSchema = Record<string, unknown>;

const DIFF_FILE = /^\+\+\+ b\/(.+)$/gm;
const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm;
const PATH_LIKE = /\b([\w./-]+\.(?:swift|m|mm|h|kt|kts|java|gradle|xml|plist|json|ts|js|yml|yaml))\b/g;

/** FNV-1a: deterministic and cheap (the fake is benchmarked directly). */
function digest(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Files and hunk starts named in a unified diff, or file-like names when there is no diff. */
export function changedFiles(prompt: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  const headers = [...prompt.matchAll(DIFF_FILE)];
  for (let i = 0; i < headers.length; i++) {
    const start = headers[i].index ?? 0;
    const end = i + 1 < headers.length ? (headers[i + 1].index ?? prompt.length) : prompt.length;
    const section = prompt.slice(start, end);
    const lines = [...section.matchAll(HUNK)].map((m) => Number(m[1]));
    files.push({ path: headers[i][1].trim(), lines: lines.length ? lines : [1] });
  }
  if (files.length) return files;
  const seen = new Set<string>();
  // File-like names are looked for near the start only: enough for a plausible answer, bounded cost.
  for (const m of prompt.slice(0, 16_384).matchAll(PATH_LIKE)) {
    if (seen.has(m[1]) || seen.size >= 5) continue;
    seen.add(m[1]);
    files.push({ path: m[1], lines: [1] });
  }
  return files;
}

const CATEGORIES = ['bug', 'security', 'performance', 'style', 'testing', 'docs', 'architecture'];
const MESSAGES: Record<string, string> = {
  bug: 'this branch does not handle the empty case; a nil/null value reaches the call below',
  security: 'a value from outside the app is used without validation',
  performance: 'this work runs on the main thread for every cell; move it off the UI thread',
  style: 'the name does not say what the value holds',
  testing: 'this change has no test covering the new branch',
  docs: 'the public function changed behaviour but its doc comment did not',
  architecture: 'the view layer calls the network client directly; go through the repository',
};

interface FindingSeed {
  file: string;
  line: number;
  category: string;
  severityIndex: number;
  confidence: number;
}

function findingSeeds(prompt: string): FindingSeed[] {
  const files = changedFiles(prompt).slice(0, 3);
  return files.map((f, i) => {
    const h = digest(`${f.path}:${i}:${prompt.length}`);
    return {
      file: f.path,
      line: f.lines[h % f.lines.length] + (h % 3),
      category: CATEGORIES[h % CATEGORIES.length],
      severityIndex: h % 4,
      confidence: 0.5 + (h % 40) / 100,
    };
  });
}

/** Plain-text answer for a prompt without an output schema. */
export function simulatedText(prompt: string): string {
  const seeds = findingSeeds(prompt);
  if (!seeds.length)
    return `${SIMULATED_LABEL} Reviewed the request; nothing to report. This answer comes from the offline simulated reviewer, not a model.`;
  const lines = seeds.map(
    (s) => `- ${s.file}:${s.line} (${s.category}): ${SIMULATED_LABEL} ${MESSAGES[s.category]}`,
  );
  return `${SIMULATED_LABEL} Review of ${seeds.length} file(s) by the offline simulated reviewer, not a model:\n${lines.join('\n')}`;
}

function pickEnum(schema: JsonSchema, index: number): unknown {
  const values = schema.enum as unknown[];
  return values[index % values.length];
}

function typeOf(schema: JsonSchema): string {
  const t = schema.type;
  if (Array.isArray(t)) return String(t.find((x) => x !== 'null') ?? 'null');
  if (typeof t === 'string') return t;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return 'string';
}

/** Fills one finding-like object from a seed, choosing values by property name. */
function fillFinding(schema: JsonSchema, seed: FindingSeed): unknown {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(props)) {
    const lower = name.toLowerCase();
    if (prop.enum)
      out[name] =
        lower.includes('categ') && (prop.enum as unknown[]).includes(seed.category)
          ? seed.category
          : pickEnum(prop, seed.severityIndex);
    else if (['file', 'path', 'filename', 'filepath'].includes(lower)) out[name] = seed.file;
    else if (lower.includes('line')) out[name] = lower.startsWith('end') ? seed.line + 1 : seed.line;
    else if (lower.includes('categ')) out[name] = seed.category;
    else if (lower.includes('confidence'))
      out[name] = typeOf(prop) === 'integer' ? Math.round(seed.confidence * 100) : seed.confidence;
    else if (['message', 'title', 'description', 'body', 'rationale', 'explanation'].includes(lower))
      out[name] = `${SIMULATED_LABEL} ${MESSAGES[seed.category]}`;
    else out[name] = generate(prop, name, seed.severityIndex, []);
  }
  return out;
}

/** A value that satisfies `schema`, plausible where the property names say what they hold. */
function generate(schema: JsonSchema, name: string, index: number, seeds: FindingSeed[]): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return pickEnum(schema, index);
  const anyOf = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (anyOf?.length) return generate(anyOf[0], name, index, seeds);
  switch (typeOf(schema)) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(props)) out[key] = generate(prop, key, index, seeds);
      return out;
    }
    case 'array': {
      const items = (schema.items ?? { type: 'string' }) as JsonSchema;
      const lower = name.toLowerCase();
      if (
        (lower.includes('finding') || lower.includes('issue') || lower.includes('comment')) &&
        typeOf(items) === 'object'
      ) {
        return seeds.map((s) => fillFinding(items, s));
      }
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      return Array.from({ length: Math.max(min, 1) }, (_, i) => generate(items, name, index + i, seeds));
    }
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0.5;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return name.toLowerCase().includes('summary')
        ? `${SIMULATED_LABEL} ${seeds.length} finding(s) from the offline simulated reviewer, not a model`
        : `${SIMULATED_LABEL} ${name}`;
  }
}

/** Structured answer for a prompt and the JSON Schema the caller asked for. */
export function simulatedJson(prompt: string, schema: Record<string, unknown>): unknown {
  return generate(schema, 'root', digest(prompt) % 7, findingSeeds(prompt));
}
