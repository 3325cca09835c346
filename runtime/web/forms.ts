// Request decoding (strict: malformed input is a 400, never a guess) and the
// quoting that makes a visitor's text inert before JML sees it.
import { utf8Decode, utf8Encode } from '../../jml/utf8.ts';
import { unkeepable } from '../../jml/macro.ts';
import { inertArg } from '../../jml/text.ts';
import { HttpError } from './html.ts';
import { esc } from './html.ts';

export const bad = (why: string): HttpError => new HttpError(400, why);

/**
 * Percent-decoding to UTF-8; bad escapes and invalid UTF-8 are a 400. So is
 * U+FFFD: Bun hands over raw bytes that are not UTF-8 already encoded as it
 * (node:http hands over the bytes, which fail to decode): one answer on both.
 */
export function pct(s: string): string {
  let d: string;
  try {
    d = decodeURIComponent(s);
  } catch {
    throw bad('invalid percent-encoding or UTF-8: ' + s);
  }
  if (d.includes('\ufffd')) throw bad('invalid UTF-8: ' + s);
  return d;
}

/** Bytes as UTF-8 text; invalid UTF-8 is a 400. */
export function utf8(b: Uint8Array): string {
  const s = utf8Decode(b);
  const back = utf8Encode(s);
  if (back.length !== b.length || back.some((x, i) => x !== b[i])) throw bad('invalid UTF-8');
  return s;
}

/** application/x-www-form-urlencoded fields, in order. */
export function parseForm(s: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of s.split('&')) {
    if (!kv) continue;
    const eq = kv.indexOf('=');
    const dec = (x: string) => pct(x.replace(/\+/g, ' '));
    m.set(dec(eq < 0 ? kv : kv.slice(0, eq)), eq < 0 ? '' : dec(kv.slice(eq + 1)));
  }
  return m;
}

/**
 * A visitor's value as one inert argument: HTML-escaped (what comes back is
 * safe to show), then `\ [ ] { }` (and spaces, to stay one word) quoted.
 */
export const arg = (v: string, html: boolean, spaces: boolean): string => inertArg(html ? esc(v) : v, spaces);

/** Text with no call in it: escape pairs are kept, bare brackets and braces and a final lone backslash quoted. */
export const inert = (s: string): string => s.replace(/\\[^]?|[[\]{}]/g, (m) => (m.length > 1 ? m : '\\' + m));

/** A stored body as the text to edit: the `\n` escape (how a newline is stored) back to a newline. */
export const editable = (body: string): string => body.replace(/\\([^])/g, (m, c) => (c === 'n' ? '\n' : m));

/** Textarea text as a body: CRLF to LF (define() stores newlines as `\n`). */
export const lines = (s: string): string => s.replace(/\r\n?/g, '\n');

/**
 * A page's text as its source: a lone backslash at the end of a line is a
 * backslash the writer sees, not an escape of the line break (stored, the
 * break is the two characters `\n`, which it would turn into a literal n).
 */
export const pageSource = (s: string): string => s.replace(/(^|[^\\])((?:\\\\)*)\\(?=\n|$)/g, '$1$2\\\\');

/** Whether a definition survives its state-log line unchanged (no nested [macro, no [/macro, no final `\`). */
export const storable = (name: string, formals: string, body: string): boolean => !unkeepable({ name, formals, body: body.replace(/\n/g, '\\n') });
