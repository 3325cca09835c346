// Text helpers shared by the evaluator and the builtins. JML separates words
// by spaces only (a TAB is part of a word), like the original's strtok(" ").

/** The words of s: runs of spaces separate, empty words are dropped. */
export function words(s: string): string[] {
  if (!s) return [];
  const parts = s.split(' ');
  // single spaces between words (the usual case): nothing to drop
  if (s.charCodeAt(0) !== 32 && s.charCodeAt(s.length - 1) !== 32 && s.indexOf('  ') < 0) return parts;
  let k = 0;
  for (let i = 0; i < parts.length; i++) if (parts[i] !== '') parts[k++] = parts[i];
  parts.length = k;
  return parts;
}

/** How many words s has, without making them. */
export function wordCount(s: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 32) inWord = false;
    else if (!inWord) {
      inWord = true;
      n++;
    }
  }
  return n;
}

/** The first n words of s (fewer when s has fewer), without splitting all of it. */
export function firstWords(s: string, n: number): string[] {
  const out: string[] = [];
  let i = 0;
  const L = s.length;
  while (out.length < n) {
    while (i < L && s.charCodeAt(i) === 32) i++;
    if (i >= L) break;
    let j = s.indexOf(' ', i);
    if (j < 0) j = L;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** The first word of s and the raw text after it and exactly one space. */
export function headRest(s: string): [string, string] {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  let j = s.indexOf(' ', i);
  if (j < 0) j = s.length;
  return [s.slice(i, j), s.slice(j + 1)];
}

/** True when the character at i is preceded by an odd number of backslashes. */
export function isEscaped(s: string, i: number): boolean {
  let n = 0;
  while (i > 0 && s.charCodeAt(--i) === 92) n++;
  return (n & 1) === 1;
}

/** Index of the first unescaped occurrence of needle at or after from, or -1. */
export function indexUnescaped(s: string, needle: string, from: number): number {
  for (let i = s.indexOf(needle, from); i >= 0; i = s.indexOf(needle, i + 1)) {
    if (!isEscaped(s, i)) return i;
  }
  return -1;
}

/**
 * The output filter (D6): `\n` newline, `\t` tab, `\X` prints X (so `\\` is
 * one backslash, `\[` a bracket); a final lone backslash is dropped.
 */
export function unescapeOutput(s: string): string {
  return s.replace(/\\(.?)/gs, (_, x: string) => (x === 'n' ? '\n' : x === 't' ? '\t' : x));
}

/** Quote text so it can never become a call: `\`, `[`, `]` get a backslash. */
export function quote(s: string): string {
  return s.replace(/[\\[\]]/g, '\\$&');
}

/** Someone else's value as one inert argument: `\ [ ] { }` quoted, and spaces too when it must stay one word. */
export const inertArg = (v: string, oneWord: boolean): string => v.replace(oneWord ? /[\\[\]{} ]/g : /[\\[\]{}]/g, '\\$&');

/** Someone else's text as a builtin's result: inert, on one line (a newline shown as `\n`). */
export const inertLine = (v: string): string => inertArg(v, false).replace(/\n/g, '\\n');

/** Brackets become braces (how fbody, decode and decrypt defuse code). */
export function braces(s: string): string {
  return s.replace(/\[/g, '{').replace(/]/g, '}');
}

/** Compare strings by code point (like strcmp on UTF-8): -1, 0 or 1. */
export function strcmp(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : 1;
}
