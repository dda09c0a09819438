import { shannonEntropy } from './text-lines';

// Words that mark a value as a stand-in someone is meant to replace, not a credential.
const PLACEHOLDER_WORDS =
  /(example|placeholder|your[_\-. ]?|insert|replace|changeme|change_me|dummy|sample|redacted|xxxx|\*\*\*|todo|fixme|secret_here|key_here|token_here|<|>)/i;

// Environment and template look-ups: the value is read at run time, not stored in the file.
// Android resource references (`@string/maps_key`, `?attr/…`) name a value kept elsewhere.
const LOOKUP =
  /^(\$\{[^}]*\}|\$\([^)]*\)|\$[A-Z_][A-Z0-9_]*|%[A-Z_][A-Z0-9_]*%|\{\{[^}]*\}\}|env\(|process\.env|ENV\[|@(?:string|xml|raw|integer|bool|array)\/|\?attr\/)/i;

/** A value that only names a constant (`API_KEY_HERE`, `MY_SECRET`) rather than holding one. */
const CONSTANT_NAME = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;

/** True when the same character repeats `n` or more times in a row (`XXXXX`, `00000`). */
export function hasRun(value: string, n = 5): boolean {
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    run = value.charCodeAt(i) === value.charCodeAt(i - 1) ? run + 1 : 1;
    if (run >= n) return true;
  }
  return false;
}

/** Whether a candidate value is a template, an env look-up or an obvious stand-in. */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER_WORDS.test(value) || LOOKUP.test(value) || CONSTANT_NAME.test(value) || hasRun(value, 6);
}

function characterClasses(value: string): number {
  let classes = 0;
  if (/[a-z]/.test(value)) classes++;
  if (/[A-Z]/.test(value)) classes++;
  if (/[0-9]/.test(value)) classes++;
  if (/[^A-Za-z0-9]/.test(value)) classes++;
  return classes;
}

/**
 * Whether a value assigned to a credential-like name looks like a real credential: long enough,
 * varied enough, and not a placeholder, an env look-up, a URL or a sentence.
 */
export function looksLikeCredential(value: string): boolean {
  if (value.length < 8 || value.length > 200) return false;
  if (/\s/.test(value) || value.includes('://')) return false;
  if (isPlaceholder(value)) return false;
  const entropy = shannonEntropy(value);
  if (characterClasses(value) >= 2) return entropy >= 2.5;
  return entropy >= 3.5;
}

/** Whether a fixed-format token (known prefix, random tail) is real rather than a documented stand-in. */
export function looksLikeRandomTail(tail: string, minEntropy = 3): boolean {
  return !isPlaceholder(tail) && !hasRun(tail, 5) && shannonEntropy(tail) >= minEntropy;
}
