/**
 * Whether a file's bytes are text, and its text. A NUL byte alone does not make a file binary:
 * UTF-16 text (Apple `.strings` files often are) is full of them. Size is a separate question from
 * kind: a large text file is scanned up to {@link MAX_TEXT_BYTES} and beyond it reported as too
 * large, never as binary, so nobody mistakes an unscanned 3 MB JSON with a key in it for an image.
 */

/** Text files up to this size are read and scanned (8 MiB). */
export const MAX_TEXT_BYTES = 8 * 1024 * 1024;

export type TextContent =
  | { kind: 'text'; text: string; encoding: 'utf-8' | 'utf-16le' | 'utf-16be' }
  | { kind: 'binary' }
  | { kind: 'too-large'; bytes: number };

/** How much of a file is sniffed to tell text from binary. */
const PROBE_BYTES = 8000;

function swapBytes(buffer: Buffer): Buffer {
  const copy = Buffer.from(buffer.subarray(0, buffer.length - (buffer.length % 2)));
  return copy.swap16();
}

/**
 * UTF-16 without a byte-order mark: in text that is mostly ASCII every other byte is zero. Asking
 * for nearly all of one parity and nearly none of the other keeps binaries with scattered NULs out.
 */
function utf16WithoutBom(probe: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  if (probe.length < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  const pairs = Math.floor(probe.length / 2);
  for (let i = 0; i + 1 < probe.length; i += 2) {
    if (probe[i] === 0) evenZero++;
    if (probe[i + 1] === 0) oddZero++;
  }
  if (oddZero >= pairs * 0.9 && evenZero <= pairs * 0.02) return 'utf-16le';
  if (evenZero >= pairs * 0.9 && oddZero <= pairs * 0.02) return 'utf-16be';
  return undefined;
}

/** Decodes a file's bytes as the agents and rules read them. */
export function decodeText(buffer: Buffer, maxBytes = MAX_TEXT_BYTES): TextContent {
  if (buffer.length > maxBytes) return { kind: 'too-large', bytes: buffer.length };
  if (buffer[0] === 0xff && buffer[1] === 0xfe)
    return { kind: 'text', text: buffer.subarray(2).toString('utf16le'), encoding: 'utf-16le' };
  if (buffer[0] === 0xfe && buffer[1] === 0xff)
    return { kind: 'text', text: swapBytes(buffer.subarray(2)).toString('utf16le'), encoding: 'utf-16be' };
  const probe = buffer.subarray(0, PROBE_BYTES);
  if (!probe.includes(0)) {
    const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
    return { kind: 'text', text: buffer.subarray(start).toString('utf8'), encoding: 'utf-8' };
  }
  const utf16 = utf16WithoutBom(probe);
  if (utf16 === 'utf-16le') return { kind: 'text', text: buffer.toString('utf16le'), encoding: utf16 };
  if (utf16 === 'utf-16be')
    return { kind: 'text', text: swapBytes(buffer).toString('utf16le'), encoding: utf16 };
  return { kind: 'binary' };
}

/** `too large: 9.3 MB (text is scanned up to 8 MB)`: what a report says of a file it did not read. */
export function tooLargeDetail(bytes: number, maxBytes = MAX_TEXT_BYTES): string {
  // Rounded up: a file just over the limit must not read as exactly the limit.
  const mb = (n: number) => `${String(Math.ceil((n / (1024 * 1024)) * 10) / 10)} MB`;
  return `too large: ${mb(bytes)} (text is scanned up to ${mb(maxBytes)})`;
}
