/**
 * Markdown from model output is untrusted: an @mention pings people, and an image URL is fetched
 * by every reader's browser (or GitHub's camo proxy), which can carry code out in the query
 * string. Both are neutralised; links stay as text links.
 */

/** Breaks `@user` and `@org/team` mentions with a zero-width joiner so they render but do not notify. */
export function stripMentions(text: string): string {
  return text.replace(
    /(^|[^\w`/])@([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,38})(?:\/[a-zA-Z0-9_.-]+)?)/g,
    '$1@\u200d$2',
  );
}

/** Replaces markdown and HTML images with their alt text (or `[image removed]`). */
export function stripImages(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, (_, alt: string) => (alt ? `[image: ${alt}]` : '[image removed]'))
    .replace(/!\[([^\]]*)\]\[[^\]]*\]/g, (_, alt: string) => (alt ? `[image: ${alt}]` : '[image removed]'))
    .replace(/<img\b[^>]*>/gi, '[image removed]')
    .replace(/<(picture|source|video|audio|iframe|object|embed)\b[^>]*>/gi, '');
}

/** Both, plus hidden-comment markers a model might try to forge. */
export function sanitizeMarkdown(text: string): string {
  return stripImages(stripMentions(text)).replace(/<!--/g, '&lt;!--');
}

/** A code fence longer than any backtick run inside `content`, so the content cannot close it. */
export function fenceFor(content: string): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** Text for a table cell or a one-line list item. */
export function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
