/**
 * Remembers class-validator's metadata look-ups. For every object it validates, nested ones
 * included, class-validator gathers the class's rules again: it filters the class's metadata and
 * tests the class against every other decorated class for inheritance, then groups the result by
 * property. The answer only changes when a decorator registers new metadata, which happens as
 * classes are defined; so the answers are kept until then. The storage is class-validator's
 * process-wide singleton, so every validator in the process (NestJS pipes too) gets the same
 * answers, only sooner.
 */
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

interface ValidatorStorage {
  getTargetValidationMetadatas(
    target: unknown,
    schema: string,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ): ValidationMetadata[];
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
  addValidationMetadata(metadata: ValidationMetadata): void;
  /** Set once installed, so a second copy of this module does not wrap the wrappers. */
  agentflowMetadataCache?: true;
}

export function installValidationMetadataCache(): void {
  const storage = getMetadataStorage() as unknown as ValidatorStorage;
  if (storage.agentflowMetadataCache) return;
  storage.agentflowMetadataCache = true;

  let byTarget = new Map<unknown, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  /** The lists this cache handed out: only those are grouped once (anyone else's list may change). */
  let handedOut = new WeakSet<ValidationMetadata[]>();

  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups === undefined ? '-' : groups.join('\u0000')}`;
    let forTarget = byTarget.get(target);
    if (!forTarget) byTarget.set(target, (forTarget = new Map()));
    let found = forTarget.get(key);
    if (!found) {
      found = lookUp(target, schema, always, strictGroups, groups);
      forTarget.set(key, found);
      handedOut.add(found);
    }
    return found;
  };

  const group = storage.groupByPropertyName.bind(storage);
  storage.groupByPropertyName = (metadata) => {
    if (!handedOut.has(metadata)) return group(metadata);
    let found = grouped.get(metadata);
    if (!found) grouped.set(metadata, (found = group(metadata)));
    return found;
  };

  const add = storage.addValidationMetadata.bind(storage);
  storage.addValidationMetadata = (metadata) => {
    byTarget = new Map();
    grouped = new WeakMap();
    handedOut = new WeakSet();
    add(metadata);
  };
}
