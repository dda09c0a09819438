import { XMLParser } from 'fast-xml-parser';
import { CoverageParseError } from './errors';

/**
 * Parses report XML into plain objects: attributes without prefix, the named elements always as
 * arrays. DOCTYPEs are read but never resolved, so no DTD is fetched.
 */
export function parseReportXml(text: string, arrays: readonly string[], what: string): Record<string, unknown> {
  const arraySet = new Set(arrays);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    processEntities: true,
    isArray: (name) => arraySet.has(name),
  });
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new CoverageParseError(`${what} is not well-formed XML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads an element list that may be missing. */
export function list<T = Record<string, string>>(node: unknown, key: string): T[] {
  if (!node || typeof node !== 'object') return [];
  const value = (node as Record<string, unknown>)[key];
  return Array.isArray(value) ? (value as T[]) : [];
}
