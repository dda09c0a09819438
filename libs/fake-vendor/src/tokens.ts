/** The fake's token estimate: about four characters a token, as the vendors' tokenizers average on code. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
