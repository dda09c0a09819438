/** Small codecs shared by both bus implementations. */
import { InvalidMessageError } from '@agentflow/contracts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function encodeText(value: string): Uint8Array {
  return encoder.encode(value);
}

export function decodeText(data: Uint8Array): string {
  return decoder.decode(data);
}

/**
 * Parses a message body as JSON. Malformed JSON is an {@link InvalidMessageError}: the runner
 * dead-letters it after one delivery instead of retrying it forever.
 */
export function parseJson<T>(data: Uint8Array, subject: string): T {
  try {
    return JSON.parse(decoder.decode(data)) as T;
  } catch (error) {
    throw new InvalidMessageError(`message on ${subject} is not valid JSON: ${(error as Error).message}`, [
      'body: not JSON',
    ]);
  }
}
