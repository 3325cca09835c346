// The evaluator (D1): pass after pass, every innermost `[fun args...]` is
// replaced by its result, left to right, until a pass changes nothing. It is
// a loop over passes, never recursion per nesting level (QuickJS on a board
// has a small C stack), and every line runs within a step and output budget.
import type { JmlHost } from './host.ts';
import { BudgetError, JmlError } from './errors.ts';
import { definitionLine, expand, extractDefinitions, type MacroDef } from './macro.ts';
import { IMPURE, isoTime, lookup } from './builtins.ts';
import { firstOpen, indexUnescaped, isEscaped, quote, unescapeOutput } from './text.ts';
import { GROUPS } from './help.ts';

export interface InterpOptions {
  host: JmlHost;
  /** Substitutions per line (default 1,000,000). */
  maxSteps?: number;
  /** Characters of text per line, output and pending work together (default 16 MiB). */
  maxOutput?: number;
}

export interface RunResult {
  /** The line's output with the output filter applied (D6). */
  output: string;
  errors: string[];
  warnings: string[];
  steps: number;
  passes: number;
}

/** What builtins may use of the interpreter. */
export interface Ctx {
  host: JmlHost;
  macros: Map<string, MacroDef>;
  define(name: string, formals: string, body: string): MacroDef;
  /** Characters left in this line's output budget. */
  room(): number;
  help(): string;
}

export class Interpreter implements Ctx {
  host: JmlHost;
  maxSteps: number;
  maxOutput: number;
  /** Definitions by name; a Map keeps the order of first definition (D15). */
  macros = new Map<string, MacroDef>();
  /** Called for every new definition (the runtime appends it to the state log). */
  onDefine: ((d: MacroDef, line: string) => void) | null = null;
  /** Who definitions are attributed to. */
  user = 'local';
  private logPos = 0;
  private steps = 0;
  private size = 0;
  private errors: string[] = [];
  private memo = new Map<string, string>();

  constructor(opts: InterpOptions) {
    this.host = opts.host;
    this.maxSteps = opts.maxSteps || 1_000_000;
    this.maxOutput = opts.maxOutput || 16 * 1024 * 1024;
  }

  /** Evaluate one line. Never throws: problems come back as %(ERROR:...) text. */
  run(line: string, trace?: (line: string) => void): RunResult {
    this.steps = 0;
    this.errors = [];
    this.memo.clear();
    const warnings: string[] = [];
    const out: string[] = [];
    let done = 0;
    let passes = 0;
    let s = line;
    try {
      for (;;) {
        if (trace) trace('>>>' + s + '<<<');
        // Definitions are taken at the start of every pass (a result may hold one).
        if (s.indexOf('[macro ') >= 0) s = this.takeDefinitions(s);
        // Text before the first [ is final: it leaves the working string.
        const first = firstOpen(s);
        if (first !== 0) {
          const head = first < 0 ? s : s.slice(0, first);
          out.push(head);
          done += head.length;
          if (first < 0) break;
          s = s.slice(first);
        }
        this.size = done + s.length;
        const next = this.pass(s);
        passes++;
        if (next === null) {
          out.push(s);
          warnings.push('unclosed [ kept as text');
          break;
        }
        s = next;
      }
    } catch (e) {
      out.push(this.fail(e instanceof JmlError ? e.message : 'internal error: ' + (e as Error).message));
    }
    return { output: unescapeOutput(out.join('')), errors: this.errors, warnings, steps: this.steps, passes };
  }

  /** One pass: reduce every innermost call, left to right. null if there was none. */
  private pass(s: string): string | null {
    // Native searches instead of a character loop: the first `[`, the first
    // `]` after it, then the last `[` before that `]` is the innermost call.
    // Each character is looked at a bounded number of times.
    let parts: string[] | null = null;
    let seg = 0;
    let open = indexUnescaped(s, '[', 0);
    while (open >= 0) {
      const close = indexUnescaped(s, ']', open);
      if (close < 0) break;
      // The innermost call opens at the last [ before close (never before open).
      open = s.lastIndexOf('[', close);
      while (isEscaped(s, open)) open = s.lastIndexOf('[', open - 1);
      if (++this.steps > this.maxSteps) throw new BudgetError('step budget of ' + this.maxSteps + ' substitutions exceeded');
      const r = this.call(s.slice(open + 1, close));
      this.size += r.length - (close - open + 1);
      if (this.size > this.maxOutput) throw new BudgetError('output budget of ' + this.maxOutput + ' characters exceeded');
      (parts || (parts = [])).push(s.slice(seg, open), r);
      seg = close + 1;
      open = indexUnescaped(s, '[', seg);
    }
    if (!parts) return null;
    parts.push(s.slice(seg));
    return parts.join('');
  }

  /** Reduce one call: user macros first (newest definition), then builtins. */
  call(expr: string): string {
    // Macro expansion and most builtins are pure, so within a line a repeated
    // call (fib's [< 19 2], [fib 18], ...) is looked up, not recomputed.
    const memo = expr.length < 200 ? this.memo : null;
    const hit = memo && memo.get(expr);
    if (hit !== undefined && hit !== null) return hit;
    const sp = expr.indexOf(' ');
    const name = sp < 0 ? expr : expr.slice(0, sp);
    const args = sp < 0 ? '' : expr.slice(sp + 1);
    const m = this.macros.get(name);
    let r: string;
    if (m) r = expand(m, args);
    else {
      const f = lookup(name);
      if (!f) r = '[FAIL ' + expr + ']';
      else {
        try {
          r = f(args, this, name);
        } catch (e) {
          if (e instanceof BudgetError) throw e;
          return this.fail(e instanceof JmlError ? e.message : name + ': ' + (e as Error).message);
        }
        if (IMPURE.has(name)) return r;
      }
    }
    if (memo) {
      if (memo.size > 20000) memo.clear();
      memo.set(expr, r);
    }
    return r;
  }

  private fail(msg: string): string {
    this.errors.push(msg);
    return '%(ERROR:' + quote(msg) + ')';
  }

  private takeDefinitions(s: string): string {
    const r = extractDefinitions(s);
    for (const d of r.defs) {
      if (d.name) this.define(d.name, d.formals, d.body, d);
      else this.fail('a macro needs a name');
    }
    return r.error ? r.text + this.fail(r.error) : r.text;
  }

  define(name: string, formals: string, body: string, meta?: { pos?: number; time?: string; user?: string }): MacroDef {
    const pos = meta && meta.pos ? meta.pos : this.logPos + 1;
    if (pos > this.logPos) this.logPos = pos;
    const d: MacroDef = {
      name,
      formals: formals.trim(),
      // a state line is one line: a raw newline is kept as the \n escape
      body: body.replace(/\r?\n/g, '\\n'),
      time: (meta && meta.time) || isoTime(this.host.now()),
      pos,
      user: (meta && meta.user) || this.user,
    };
    this.macros.set(name, d);
    this.memo.clear();
    if (this.onDefine) this.onDefine(d, definitionLine(d));
    return d;
  }

  room(): number {
    return this.maxOutput - this.size;
  }

  /** `[help]`: the builtins by group, then the user's functions. */
  help(): string {
    let out = '';
    for (const [group, names] of GROUPS) out += group + ': ' + names + '\\n';
    return out + 'user: ' + [...this.macros.keys()].join(' ');
  }
}

