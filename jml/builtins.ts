// The builtin functions. Each takes the raw argument text (everything after
// the name and one space) and returns text; a returned call such as
// `[F a]` is evaluated in the next pass, which is how map, filter and reduce
// stay plain substitution.
import type { Ctx } from './evaluation.ts';
import { JmlError } from './errors.ts';
import { add, atoi, atoiAt, compare, div, type Int, mul, sub, toIndex } from './numbers.ts';
import { braces, firstWords, headRest, quote, strcmp, wordCount, words } from './text.ts';
import { compile, matchAll } from './regex.ts';
import { utf8Decode, utf8Length } from './utf8.ts';
import { contentHash, decryptText, DEFAULT_KEY, encryptText } from './crypto.ts';
import { fromHex, toHex } from './xxtea.ts';

/** A result, or a pending one for a builtin that waits for the world (see evaluation.ts). */
export type Builtin = (args: string, it: Ctx, name: string) => string | PromiseLike<string>;

const bool = (b: boolean): string => (b ? '1' : '0');
/**
 * The sum of a word list's numbers, in one pass over its characters while
 * every word is plain digits with an optional sign and the sum stays exact
 * in a double; anything else takes the general path.
 */
function sum(s: string): Int {
  const L = s.length;
  let acc = 0;
  let v = 0;
  let digits = 0;
  let sign = 0;
  for (let i = 0; i < L; i++) {
    const c = s.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9 && digits < 15) {
      v = v * 10 + d;
      digits++;
    } else if (c === 32) {
      acc += sign < 0 ? -v : v;
      if (acc > 4e15 || acc < -4e15) return fold(s, add, 0);
      v = digits = sign = 0;
    } else if ((c === 45 || c === 43) && !digits && !sign) sign = c === 45 ? -1 : 1;
    else return fold(s, add, 0);
  }
  acc += sign < 0 ? -v : v;
  return acc > 4e15 || acc < -4e15 ? fold(s, add, 0) : acc;
}
/** Fold the numbers of a word list without splitting it into an array first. */
const fold = (s: string, f: (a: Int, b: Int) => Int, acc: Int): Int => {
  let i = 0;
  const L = s.length;
  for (;;) {
    while (s.charCodeAt(i) === 32) i++;
    if (i >= L) return acc;
    let j = s.indexOf(' ', i);
    if (j < 0) j = L;
    acc = f(acc, j - i < 16 ? atoiAt(s, i, j) : atoi(s.slice(i, j)));
    i = j;
  }
};
const str2 = (args: string): [string, string] => {
  const w = firstWords(args, 2);
  return [w[0] || '', w[1] || ''];
};
const two = (args: string): [Int, Int] => str2(args).map(atoi) as [Int, Int];
const firstNum = (args: string): Int => atoi(headRest(args)[0]);
const isTrue = (w: string | undefined): boolean => w !== undefined && w !== '0';
const arith = (f: (a: Int, b: Int) => Int): Builtin => (a) => String(f(...two(a)));

/** How two words rank: -1, 0 or 1. */
type Order = (a: string, b: string) => number;
const byNumber: Order = (a, b) => compare(atoi(a), atoi(b));
/** A comparison builtin: order ranks the first two words, test reads the rank. */
const comparison = (order: Order, test: (rank: number) => boolean): Builtin => (a) => bool(test(order(...str2(a))));
const above = (rank: number) => rank > 0;
const below = (rank: number) => rank < 0;
const atLeast = (rank: number) => rank >= 0;
const atMost = (rank: number) => rank <= 0;
const same = (rank: number) => rank === 0;
const differ = (rank: number) => rank !== 0;
/** The word that ranks highest by order (want 1) or lowest (want -1); the first of equals wins. */
const pick = (order: Order, want: number): Builtin => (a) => {
  const w = words(a);
  let best = w[0] || '';
  for (let i = 1; i < w.length; i++) if (order(w[i], best) * want > 0) best = w[i];
  return best;
};
const biggest = pick(strcmp, 1);
const smallest = pick(strcmp, -1);
const nthWord = (n: number): Builtin => (a) => words(a)[n] || '';
/** The first word and the raw text after it and one space, then the same again on that text. */
const twoHeads = (s: string): [string, string, string] => {
  const [first, rest] = headRest(s);
  return [first, ...headRest(rest)];
};
/** after and before: the text after the first word, cut where that word first occurs in it ('' when it does not). */
const around = (a: string, after: boolean): string => {
  const [x, t] = headRest(a);
  const i = x ? t.indexOf(x) : -1;
  return i < 0 ? '' : after ? t.slice(i + x.length) : t.slice(0, i);
};
/** Each item and a space: `a b `. */
const spaced = (items: Array<string | number>): string => (items.length ? items.join(' ') + ' ' : '');
/** One call of F per item: `[F a] [F b] ` (map's shape in the seed's trace), in one join. */
const callEach = (f: string, items: string[]): string => (items.length ? '[' + f + ' ' + items.join('] [' + f + ' ') + '] ' : '');
/** Filter's shape: `[[if [P a] THEN ignore] a] ` per item. */
const filterEach = (p: string, then: string, items: string[]): string => {
  let out = '';
  for (const x of items) out += '[[if [' + p + ' ' + x + '] ' + then + ' ignore] ' + x + '] ';
  return out;
};
const split = (sep: string, text: string): string[] => (sep ? text.split(sep) : [text]).filter(Boolean);
/**
 * Any Unicode letter. QuickJS compiles a regex literal when it parses the
 * code, and this class is ~7.5 KB of regex bytecode: built on first use, not
 * carried by every device from load.
 */
let letter: RegExp | undefined;
const letters = (): RegExp => (letter ||= new RegExp('\\p{L}', 'gu'));

function iota(args: string, it: Ctx): string {
  const w = words(args).map(atoi);
  // [iota N] counts from 0 to N - 1
  const [from, to, step = 1] = w.length > 1 ? w : [0, sub(w[0] || 0, 1)];
  if (step === 0) throw new JmlError('iota step of 0');
  const s = toIndex(step);
  const f = toIndex(from);
  const t = toIndex(to);
  // none when the step points away from the end
  const count = Math.max(0, Math.floor((t - f) / s) + 1);
  if (count * (String(Math.max(Math.abs(f), Math.abs(t))).length + 2) > it.room()) throw new JmlError('iota would exceed the output budget');
  // Joining runs of numbers is the fastest way to write them on every
  // engine (V8, JavaScriptCore, QuickJS): the engines convert them natively.
  const chunks: string[] = [];
  let run: number[] = [];
  for (let i = 0, v = f; i < count; i++, v += s) {
    run.push(v);
    if (run.length === 1024) {
      chunks.push(spaced(run));
      run = [];
    }
  }
  chunks.push(spaced(run));
  return chunks.join('');
}

/** substr FIRST LEN TEXT: TEXT starts where the original's strtok left it. */
function substr(args: string): string {
  // each word with the spaces before it
  const a = /^( *([^ ]*))( *([^ ]*))/.exec(args) as RegExpExecArray;
  const end1 = a[1].length;
  const end2 = a[0].length;
  const p = a[2].length + a[4].length + 2;
  const text = args.slice(p, p <= end1 ? end1 : p <= end2 ? end2 : undefined);
  // counted in code points (D11); without surrogate pairs those are the string's own indexes
  const chars = /[\ud800-\udfff]/.test(text) ? Array.from(text) : null;
  const n = chars ? chars.length : text.length;
  let first = toIndex(atoi(a[2]));
  let len = toIndex(atoi(a[4]));
  if (first < 0) first = Math.max(0, n + first);
  if (len < 0) len = n + len;
  const end = first + Math.max(0, len);
  return chars ? chars.slice(first, end).join('') : text.slice(first, end);
}

/** [eval/F1/F2 TEXT]: {f ...} becomes [f ...] for listed names only (D18); anything else gives ''. */
function sandbox(allowed: string[], text: string): string {
  let depth = 0;
  let refused = false;
  const out = text.replace(/\\[^]?|\{([^ {}]*)|\}/g, (m, name?: string) => {
    if (m[0] === '\\') return m;
    if (m === '}') {
      if (--depth < 0) refused = true;
      return ']';
    }
    if (allowed.indexOf(name as string) < 0) refused = true;
    depth++;
    return '[' + name;
  });
  return refused || depth ? '' : out;
}

function regexCalls(f: string, re: string, data: string, keep: boolean): string {
  const r = compile(re);
  let out = '';
  let at = 0;
  for (const m of matchAll(r, data)) {
    const call = '[' + f + ' ' + (r.groups ? m.groups.join(' ') : data.slice(m.start, m.end)) + ']';
    out += keep ? data.slice(at, m.start) + call : ' ' + call;
    at = m.end;
  }
  return keep ? out + data.slice(at) : out;
}

/**
 * URL decoding: `+` is a space and each run of %XX escapes is decoded as UTF-8
 * at once. A lone surrogate becomes U+FFFD, as it would in a UTF-8 round trip.
 */
function decodeUrl(s: string): string {
  const decoded = s.replace(/\+|(%[\da-f]{2})+|[\ud800-\udfff]/giu, (m) =>
    m === '+' ? ' ' : m[0] === '%' ? utf8Decode(fromHex(m.replace(/%/g, '')) as Uint8Array) : '\ufffd',
  );
  return braces(decoded);
}

/**
 * Key and mode from a name such as encrypt, encrypt-eval/KEY or decryptfoo;
 * the eval mode needs the code capability.
 */
function cipherName(name: string, it: Ctx): [key: string, evalMode: boolean] {
  const [base, ...key] = name.split('/');
  const evalMode = base.slice(7) === '-eval';
  if (evalMode) it.need('code', name);
  return [key.length ? key.join('/') : DEFAULT_KEY, evalMode];
}

function encrypt(args: string, it: Ctx, name: string): string {
  const [key, evalMode] = cipherName(name, it);
  return encryptText(evalMode ? args.replace(/\{/g, '[').replace(/}/g, ']') : args, key);
}

function decrypt(args: string, it: Ctx, name: string): string {
  const [key, evalMode] = cipherName(name, it);
  const text = decryptText(args, key);
  return evalMode ? text : braces(text);
}

function uuid(_: string, it: Ctx): string {
  const b = it.host.randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  // 8-4-4-4-12 hex digits
  return toHex(b).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}

/** funcs and datas: the names after prefix; no words lists all, one a prefix, two a half-open range (D15). */
function listNames(it: Ctx, args: string, prefix: string): string {
  const [from, to] = words(args);
  let out = '';
  for (const name of it.macroNames()) {
    if (!name.startsWith(prefix)) continue;
    const n = name.slice(prefix.length);
    if (from === undefined || (to === undefined ? n.startsWith(from) : strcmp(n, from) >= 0 && strcmp(n, to) < 0)) out += n + ' ';
  }
  return out;
}

/** data and message: keep the value as KIND-NAME (when there is a name); the result is the value. */
function defineValue(it: Ctx, kind: string, name: string, value: string): string {
  if (name) it.define(kind + '-' + name, '', value, kind);
  return value;
}

const macroInfo = (f: (d: { formals: string; body: string; time: string }) => string): Builtin => (a, it) => {
  const d = it.macro(headRest(a)[0]);
  return d ? f(d) : '';
};

/** The body of an HTTP(S) GET, quoted so it never becomes a call; waits (within the time budget) when the host's fetch does. */
function wget(args: string, it: Ctx): string | PromiseLike<string> {
  it.need('network', 'wget');
  const url = headRest(args)[0];
  const get = it.host.wget;
  if (!get) throw new JmlError('wget is not available on this host');
  const fail = (e: unknown): never => {
    throw new JmlError('wget ' + url + ': ' + (e instanceof Error ? e.message : String(e)));
  };
  try {
    const body = get.call(it.host, url, { timeoutMs: it.timeLeft(), maxBytes: it.room() });
    return typeof body === 'string' ? quote(body) : body.then(quote, fail);
  } catch (e) {
    return fail(e);
  }
}

function fac(a: string): string {
  const n = toIndex(firstNum(a));
  if (n > 5000) throw new JmlError('fac of more than 5000');
  let r: Int = 1;
  for (let i = 2; i <= n; i++) r = mul(r, i);
  return String(r);
}

export const BUILTINS = new Map<string, Builtin>(Object.entries({
  // math
  '+': (a) => String(sum(a)),
  '*': (a) => String(fold(a, mul, 1)),
  '-': arith(sub),
  '/': arith((a, b) => div(a, b, false)),
  '%': arith((a, b) => div(a, b, true)),
  inc: (a) => String(add(firstNum(a), 1)),
  dec: (a) => String(sub(firstNum(a), 1)),
  '>': comparison(byNumber, above),
  '<': comparison(byNumber, below),
  '>=': comparison(byNumber, atLeast),
  '<=': comparison(byNumber, atMost),
  '=': comparison(byNumber, same),
  '!=': comparison(byNumber, differ),
  iota,
  fac,
  // logic
  and: (a) => bool(words(a).every(isTrue)),
  or: (a) => bool(words(a).some(isTrue)),
  xor: (a) => bool(words(a).filter(isTrue).length % 2 === 1),
  not: (a) => bool(!isTrue(words(a)[0])),
  if: (a) => {
    const w = firstWords(a, 3);
    return (atoi(w[0] || '') !== 0 ? w[1] : w[2]) || '';
  },
  // tests
  empty: (a) => bool(wordCount(a) === 0),
  has: (a) => bool(wordCount(a) > 0),
  is: (a) => bool(isTrue(words(a)[0])),
  // one word, all digits
  number: (a) => bool(/^ *[0-9]+ *$/.test(a)),
  alpha: (a) => String((a.match(letters()) || []).length),
  equal: comparison(strcmp, same),
  cmp: (a) => String(-strcmp(...str2(a)) || 0),
  gt: comparison(strcmp, above),
  lt: comparison(strcmp, below),
  gte: comparison(strcmp, atLeast),
  lte: comparison(strcmp, atMost),
  big: biggest,
  small: smallest,
  biggest,
  smallest,
  max: pick(byNumber, 1),
  min: pick(byNumber, -1),
  // text
  lower: (a) => a.toLowerCase(),
  upper: (a) => a.toUpperCase(),
  length: (a) => String(wordCount(a)),
  bytes: (a) => String(utf8Length(a)),
  // lists
  ignore: () => '',
  identity: (a) => a,
  map: (a) => {
    const [f, ...xs] = words(a);
    return callEach(f, xs);
  },
  filter: (a) => {
    const [p, ...xs] = words(a);
    return filterEach(p, 'identity', xs);
  },
  'filter-do': (a) => {
    const [p, f, ...xs] = words(a);
    return filterEach(p, f, xs);
  },
  nth: (a) => {
    const w = words(a);
    const n = toIndex(atoi(w[0] || ''));
    return (n >= 1 && w[n]) || '';
  },
  first: nthWord(0),
  second: nthWord(1),
  third: nthWord(2),
  rest: (a) => headRest(a)[1],
  reduce: (a) => {
    const [f, ...xs] = words(a);
    let acc = xs[0] || '';
    for (let i = 1; i < xs.length; i++) acc = '[' + f + ' ' + acc + ' ' + xs[i] + ']';
    return acc;
  },
  // strings
  after: (a) => around(a, true),
  before: (a) => around(a, false),
  prefix: (a) => {
    const w = words(a);
    let p = w[0] || '';
    for (const x of w) while (!x.startsWith(p)) p = p.slice(0, -1);
    return p;
  },
  split: (a) => {
    const [sep, t] = headRest(a);
    return spaced(split(sep, t));
  },
  'split-do': (a) => {
    const [f, sep, t] = twoHeads(a);
    return callEach(f, split(sep, t));
  },
  substr,
  concat: (a) => a.replace(/(\\.)| +/g, '$1'),
  join: (a) => {
    const [sep, t] = headRest(a);
    return words(t).join(sep);
  },
  // the regexp and one word
  match: (a) => regexCalls('identity', ...str2(a), false),
  'match-do': (a) => regexCalls(...twoHeads(a), false),
  'subst-do': (a) => regexCalls(...twoHeads(a), true),
  xml: (a) => {
    const [name, t] = headRest(a);
    const i = t.indexOf('<' + name);
    const j = i < 0 ? -1 : t.indexOf('>', i);
    const k = j < 0 ? -1 : t.indexOf('</' + name + '>', j);
    return k < 0 ? '' : t.slice(j + 1, k);
  },
  decode: decodeUrl,
  // data and reflection
  data: (a, it) => defineValue(it, 'data', ...headRest(a)),
  message: (a, it) => {
    const [, id, text] = twoHeads(a);
    return defineValue(it, 'message', id, text);
  },
  datas: (a, it) => listNames(it, a, 'data-'),
  funcs: (a, it) => listNames(it, a, ''),
  fargs: macroInfo((d) => d.formals),
  fbody: macroInfo((d) => braces(d.body)),
  ftime: macroInfo((d) => d.time),
  FAIL: (a) => '%(FAIL:' + a + ')',
  // security and the world
  encrypt,
  decrypt,
  'content-hash': contentHash,
  uuid,
  time: (_, it) => isoTime(it.host.now()),
  wget,
  help: (_, it) => it.help(),
} satisfies Record<string, Builtin>));

/** Builtins whose result is not a function of their text: never memoized. */
export const IMPURE = new Set(['data', 'message', 'uuid', 'time', 'wget']);

/** Builtins found by the start of their name (as in the original). */
export function lookup(name: string): Builtin | undefined {
  const f = BUILTINS.get(name);
  if (f) return f;
  if (name.startsWith('eval/')) {
    const allowed = name.slice(5).split('/').filter(Boolean);
    return (a) => sandbox(allowed, a);
  }
  for (const base of ['encrypt', 'decrypt', 'split', 'filter']) if (name.startsWith(base)) return BUILTINS.get(base);
  return undefined;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

