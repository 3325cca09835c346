// The term graph: the working text of an evaluation as shared terms, so that
// a pass costs what changes in it rather than the length of the text.
//
// The text pass (evaluation.ts) rescans and recopies the whole text on every
// pass. Deep nesting makes that quadratic (one call per pass in a text that
// barely shrinks) and recursion makes it exponential in copies of the same
// calls (fib: 7 million characters copied for 17,711). Here the text is a
// tree of terms `[...]` whose identical copies are one shared object
// (hash-consing): a pass reduces each distinct innermost call once, counts it
// as often as it occurs, and touches only the terms around it.
//
// The graph only runs passes whose outcome cannot depend on the order of the
// calls: every call pure, no error, no budget reached, no result that changes
// the bracket structure. Anything else "bails": the evaluation renders the
// text and runs that pass as a text pass, which defines the language.

import { isEscaped } from './text.ts';

/** A part of a term: text without unescaped brackets, or a term. */
export type Part = string | Term;

export interface Term {
  parts: Part[];
  /** How many of parts are terms. A closed term with none is an innermost call. */
  kids: number;
  /** An unclosed `[` (never a call), or the root (no brackets at all). */
  open: boolean;
  /** Occurrences of this term in the whole text (sharing makes this grow fast: use a double). */
  mult: number;
  /** Terms whose parts hold this one (duplicates allowed). */
  parents: Term[];
  /** This pass's result, parsed, once the term was reduced; null before. */
  res: Part[] | null;
  /** The length of that result's text. */
  resLength: number;
  /** The pass that last rebuilt this term (each parent is rebuilt once a pass). */
  mark: number;
}

/** Terms with longer texts are not shared with their neighbours: long texts seldom repeat. */
const SHARE_MAX = 4096;

function term(parts: Part[], open: boolean): Term {
  let kids = 0;
  for (const p of parts) if (typeof p !== 'string') kids++;
  return { parts, kids, open, mult: 0, parents: [], res: null, resLength: 0, mark: 0 };
}

/**
 * Parse text into parts. Strict (a call's result): null when the text would
 * change the structure around it, i.e. an unmatched `]` or `[`, or an odd
 * run of backslashes at its end (it would escape what follows). Otherwise
 * (the whole text) a stray `]` stays text and an unclosed `[` an open term.
 * New terms are appended to created in creation order (children first).
 * A term written exactly like the term before it in the same parent is that
 * term again: lists made by map, filter and split-do repeat their calls.
 */
export function parse(s: string, strict: boolean, created: Term[]): Part[] | null {
  let open = s.indexOf('[');
  let close = s.indexOf(']');
  if (strict) {
    if (isEscaped(s, s.length)) return null;
    if (open < 0 && close < 0) return s ? [s] : [];
  }
  const outer: Part[][] = []; // the parts lists of the enclosing terms
  const starts: number[] = []; // where each enclosing term's [ is
  const prevText: string[] = ['']; // per depth: the previous sibling's text, and the term
  const prevTerm: Term[] = [];
  let cur: Part[] = [];
  let pos = 0;
  for (;;) {
    // the next bracket: native searches, then the escape check
    let at: number;
    if (open >= 0 && (close < 0 || open < close)) {
      at = open;
      open = s.indexOf('[', at + 1);
      if (isEscaped(s, at)) continue;
      if (at > pos) cur.push(s.slice(pos, at));
      const depth = outer.length;
      const same = prevText[depth];
      if (same && s.startsWith(same, at)) {
        cur.push(prevTerm[depth]);
        pos = at + same.length;
        open = s.indexOf('[', pos);
        close = s.indexOf(']', pos);
        continue;
      }
      prevText[depth + 1] = '';
      outer.push(cur);
      starts.push(at);
      cur = [];
      pos = at + 1;
      continue;
    }
    if (close < 0) break;
    at = close;
    close = s.indexOf(']', at + 1);
    if (isEscaped(s, at)) continue;
    if (!outer.length) {
      if (strict) return null;
      continue; // a stray ] is text: it stays in the pending slice
    }
    if (at > pos) cur.push(s.slice(pos, at));
    pos = at + 1;
    const start = starts.pop() as number;
    const t = term(cur, false);
    created.push(t);
    cur = outer.pop() as Part[];
    cur.push(t);
    prevText[outer.length] = at + 1 - start <= SHARE_MAX ? s.slice(start, at + 1) : '';
    prevTerm[outer.length] = t;
  }
  if (s.length > pos) cur.push(s.slice(pos));
  if (outer.length) {
    if (strict) return null;
    // unclosed: each holds the rest of the text, innermost last
    while (outer.length) {
      const t = term(cur, true);
      created.push(t);
      cur = outer.pop() as Part[];
      cur.push(t);
    }
  }
  return cur;
}

/** Give each new term its occurrences and parents, parents before children (reverse creation order). */
function link(created: Term[]): void {
  for (let i = created.length - 1; i >= 0; i--) {
    const t = created[i];
    for (const c of t.parts) {
      if (typeof c === 'string') continue;
      c.mult += t.mult;
      if (c.parents[c.parents.length - 1] !== t) c.parents.push(t);
    }
  }
}

/** Rebuild t's parts with each reduced term replaced by its result, adjacent texts merged. */
function rebuild(t: Term): void {
  const out: Part[] = [];
  let text = '';
  let texts: string[] | null = null; // many texts in a row: joined once, not copied again and again
  let kids = 0;
  for (const p of t.parts) {
    const seq = typeof p !== 'string' && p.res ? p.res : null;
    const n = seq ? seq.length : 1;
    for (let i = 0; i < n; i++) {
      const q = seq ? seq[i] : p;
      if (typeof q === 'string') {
        if (!q) continue;
        if (texts) texts.push(q);
        else if (text) texts = [text, q];
        else text = q;
        continue;
      }
      if (texts) out.push(texts.join(''));
      else if (text) out.push(text);
      text = '';
      texts = null;
      out.push(q);
      kids++;
    }
  }
  if (texts) out.push(texts.join(''));
  else if (text) out.push(text);
  t.parts = out;
  t.kids = kids;
}

export class TermGraph {
  /** The whole text: an open term that never closes. */
  private readonly rootTerm: Term;
  /** Length of the text the graph stands for (what render() would return). */
  length: number;
  /** Some term now starts with `macro `: the next pass must take definitions from the text. */
  sawMacro = false;
  /** Work done (terms, parts and characters touched) by the construction or the last pass, for the evaluation's clock. */
  work: number;
  /** The innermost calls of the next pass, each once however often it occurs. */
  private leafTerms: Term[];
  private stamp = 0;

  constructor(text: string) {
    const created: Term[] = [];
    this.rootTerm = term(parse(text, false, created) as Part[], true);
    this.rootTerm.mult = 1;
    // the root holds every other term: linked first (created is linked last to first)
    created.push(this.rootTerm);
    link(created);
    this.leafTerms = this.newLeaves(created);
    this.length = text.length;
    this.work = text.length;
  }

  /** The text before the first term (final: it leaves the graph). */
  takeHead(): string {
    const p = this.rootTerm.parts;
    if (!p.length || typeof p[0] !== 'string') return '';
    this.length -= p[0].length;
    return p.shift() as string;
  }

  /** Whether any `[` is left (a call, or an unclosed one). */
  hasTerms(): boolean {
    return this.rootTerm.kids > 0;
  }

  /** Innermost calls of the next pass, counting repeats. */
  occurrences(): number {
    let n = 0;
    for (const l of this.leafTerms) n += l.mult;
    return n;
  }

  /** Distinct innermost calls of the next pass (none: only unclosed brackets are left). */
  distinct(): number {
    return this.leafTerms.length;
  }

  /** The text, every shared term written out where it occurs. */
  render(): string {
    const out: string[] = [];
    const todo: Part[] = this.rootTerm.parts.slice().reverse();
    while (todo.length) {
      const x = todo.pop() as Part;
      if (typeof x === 'string') {
        out.push(x);
        continue;
      }
      out.push('[');
      if (!x.open) todo.push(']');
      for (let i = x.parts.length - 1; i >= 0; i--) todo.push(x.parts[i]);
    }
    return out.join('');
  }

  /**
   * One pass: every innermost call reduced, within the substitutions left in
   * the step budget and the characters the text may still grow by. call gives
   * a pure call's result, or null when the call is impure, fails or depends
   * on its position. Returns the substitutions made (counting repeats), or -1
   * when the pass must be a text pass instead; the graph is then unchanged
   * (render() still gives the text).
   */
  reduce(stepsLeft: number, roomLeft: number, call: (expr: string) => string | null): number {
    this.work = 0;
    const leaves = this.leafTerms;
    const steps = this.occurrences();
    if (steps > stepsLeft) return -1;
    const stamp = ++this.stamp;
    // calls with the same text in different places (fib's [fib 19] from [fib 21] and [fib 20]) get one result, shared
    const parsed = leaves.length > 1 ? new Map<string, Term>() : null;
    const created: Term[] = [];
    let growth = 0;
    let delta = 0;
    for (const l of leaves) {
      const expr = l.parts.length ? (l.parts[0] as string) : '';
      const same = parsed && parsed.get(expr);
      let len: number;
      if (same) {
        l.res = same.res;
        len = l.resLength = same.resLength;
      } else {
        const text = call(expr);
        if (text === null) return -1;
        l.res = parse(text, true, created);
        if (!l.res) return -1;
        len = l.resLength = text.length;
        if (parsed) parsed.set(expr, l);
        this.work += 32 + len;
      }
      const d = (len - expr.length - 2) * l.mult;
      delta += d;
      if (d > 0) growth += d;
    }
    if (growth > roomLeft) return -1;
    // Commit: the new terms' occurrences, then every parent of a reduced call rebuilt.
    for (const l of leaves) {
      for (const t of l.res as Part[]) {
        if (typeof t === 'string') continue;
        t.mult += l.mult;
        for (const p of l.parents) if (t.parents[t.parents.length - 1] !== p) t.parents.push(p);
      }
    }
    link(created);
    const next = this.newLeaves(created);
    for (const l of leaves) {
      for (const p of l.parents) {
        if (p.mark === stamp) continue;
        p.mark = stamp;
        this.work += p.parts.length;
        rebuild(p);
        if (!p.open && p.kids === 0) next.push(p);
        this.checkMacro(p);
      }
    }
    this.leafTerms = next;
    this.length += delta;
    this.work += leaves.length;
    return steps;
  }

  private newLeaves(created: Term[]): Term[] {
    const out: Term[] = [];
    for (const t of created) {
      if (!t.open && t.kids === 0) out.push(t);
      this.checkMacro(t);
    }
    return out;
  }

  /** `[macro ` starts a definition: taking it out needs the text pass. */
  private checkMacro(t: Term): void {
    const first = t.parts[0];
    if (t !== this.rootTerm && typeof first === 'string' && first.startsWith('macro ')) this.sawMacro = true;
  }
}
