import { InvalidArgumentError } from 'commander';
import { oneOf } from './choice-option';

describe('oneOf', () => {
  const format = oneOf(['table', 'json'] as const);

  it('takes a listed choice', () => {
    expect(format('json')).toBe('json');
  });

  it('refuses any other, naming every choice', () => {
    expect(() => format('csv')).toThrow(InvalidArgumentError);
    expect(() => format('csv')).toThrow('choose from table, json');
  });
});
