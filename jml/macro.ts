// Macros: `[macro NAME FORMALS]BODY[/macro]` (optionally `[/macro POS TIME
// USER]`, the trailer a state line carries), their formals and expansion.
import { indexUnescaped } from './text.ts';

export interface MacroDef {
  name: string;
  formals: string;
  body: string;
  /** ISO-8601 UTC time of definition, seconds precision. */
  time: string;
  /** Position in the definition log. */
  pos: number;
  user: string;
  /** Compiled lazily on first call. */
  code?: Compiled;
}

interface Compiled {
  /** Number of formals (each takes one word; the last may take the rest). */
  arity: number;
  restLast: boolean;
  /** Literal text and formal indexes, alternating as they occur in the body. */
  parts: (string | number)[];
}

export interface Extracted {
  name: string;
  formals: string;
  body: string;
  pos?: number;
  time?: string;
  user?: string;
}

const OPEN = '[macro ';
const CLOSE = '[/macro';

/**
 * Remove every definition from s (D13), in order. Returns the remaining
 * text, the definitions found, and an error message for a definition that is
 * not terminated (the text from it onwards is dropped).
 */
export function extractDefinitions(s: string): { text: string; defs: Extracted[]; error?: string } {
  const defs: Extracted[] = [];
  let out = '';
  let from = 0;
  for (;;) {
    const at = indexUnescaped(s, OPEN, from);
    if (at < 0) break;
    // the header ends at the first unescaped ]: `\]` never ends anything (a name may hold it)
    const head = indexUnescaped(s, ']', at);
    const close = head < 0 ? -1 : indexUnescaped(s, CLOSE, head + 1);
    const end = close < 0 ? -1 : s.indexOf(']', close);
    const after = s[close + CLOSE.length];
    const decl = s.slice(at + OPEN.length, head < 0 ? s.length : head);
    const sp = decl.indexOf(' ');
    const name = sp < 0 ? decl : decl.slice(0, sp);
    if (end < 0 || (after !== ']' && after !== ' ')) {
      return { text: out + s.slice(from, at), defs, error: 'macro ' + name + ' is not terminated by [/macro]' };
    }
    const d: Extracted = { name, formals: sp < 0 ? '' : decl.slice(sp + 1), body: s.slice(head + 1, close) };
    if (after === ' ') {
      const [pos, time, user] = s.slice(close + CLOSE.length + 1, end).split(' ');
      if (pos && /^\d+$/.test(pos)) d.pos = +pos;
      if (time) d.time = time;
      if (user) d.user = user;
    }
    defs.push(d);
    out += s.slice(from, at);
    from = end + 1;
  }
  return { text: from === 0 ? s : out + s.slice(from), defs };
}

/** The state-log line that replays a definition. */
export function definitionLine(d: MacroDef): string {
  return OPEN + d.name + (d.formals ? ' ' + d.formals : '') + ']' + d.body + CLOSE + ' ' + d.pos + ' ' + d.time + ' ' + d.user + ']';
}

/**
 * Why the definition's state-log line would not read back as the same
 * definition (a body ending in a lone backslash, holding [/macro or a nested
 * [macro, a name or formals with a bare ]...), or '' when it reads back exactly.
 */
export function unkeepable(d: Pick<MacroDef, 'name' | 'formals' | 'body'>): string {
  const r = extractDefinitions(definitionLine({ ...d, pos: 1, time: 't', user: 'u' }));
  const back = r.defs[0];
  if (r.error || r.text || r.defs.length !== 1) return 'its text would not read back as one definition';
  if (back.name !== d.name) return 'its name would read back as ' + back.name;
  if (back.formals.trim() !== d.formals) return 'its formals would read back as ' + back.formals;
  if (back.body !== d.body) return 'its body would read back differently (a lone backslash at its end, [/macro or [macro in it)';
  return '';
}

function compile(d: MacroDef): Compiled {
  const formals = d.formals.split(' ').filter(Boolean);
  // Only $x and @x formals substitute; the longest one that matches wins (D14).
  const named = formals
    .map((f, i) => ({ f, i }))
    .filter((x) => /^[$@]./s.test(x.f))
    .sort((a, b) => b.f.length - a.f.length);
  const parts: (string | number)[] = [];
  const body = d.body;
  let lit = '';
  let i = 0;
  while (i < body.length) {
    // (a formal starts with $ or @, never where an escape does)
    const hit = named.find((x) => body.startsWith(x.f, i));
    if (hit) {
      parts.push(lit, hit.i);
      lit = '';
      i += hit.f.length;
    } else {
      // an escape and the character it escapes stay together
      const n = body[i] === '\\' ? 2 : 1;
      lit += body.slice(i, i + n);
      i += n;
    }
  }
  parts.push(lit);
  const last = formals[formals.length - 1];
  return { arity: formals.length, restLast: !!last && last[0] === '@', parts };
}

/** Bind actual arguments to formals (D14) and substitute them into the body. */
export function expand(d: MacroDef, args: string): string {
  const code = d.code || (d.code = compile(d));
  const parts = code.parts;
  if (parts.length === 1) return parts[0] as string;
  const n = code.arity;
  const vals: string[] = [];
  const L = args.length;
  let i = 0;
  for (let k = 0; k < n; k++) {
    while (i < L && args.charCodeAt(i) === 32) i++;
    if (i >= L) {
      vals.push('');
      continue;
    }
    if (k === n - 1 && code.restLast) {
      vals.push(args.slice(i));
      break;
    }
    const start = i;
    while (i < L) {
      const c = args.charCodeAt(i);
      if (c === 32) break;
      i += c === 92 ? 2 : 1; // backslash-space stays inside one argument
    }
    vals.push(args.slice(start, i));
  }
  let out = parts[0] as string;
  for (let p = 1; p < parts.length; p += 2) out += vals[parts[p] as number] + (parts[p + 1] as string);
  return out;
}
