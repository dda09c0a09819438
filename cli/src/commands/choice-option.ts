import { InvalidArgumentError } from 'commander';

/** A commander argument parser that takes one of `choices` and names them all when given another. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`choose from ${choices.join(', ')}`);
    return value as T;
  };
}
