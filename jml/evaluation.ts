// One evaluation of one line (D1): pass after pass, every innermost
// `[fun args...]` is replaced by its result, left to right, until a pass
// changes nothing. The evaluation owns everything but the definitions: its
// step, output and time budgets, errors, memo, capabilities and who started
// it, so any number of evaluations may be in flight on one interpreter.
//
// The world is asynchronous, the substitution model is not: a builtin that
// needs I/O returns a promise, the pass finishes its other calls, and the
// evaluation awaits the pass's pending results together before the next pass.
//
// Two ways to run a pass, with the same results: the text pass (here) scans
// the text for innermost calls and rebuilds it, and defines the language;
// the term graph (graph.ts) reduces shared terms, for deep nesting and
// recursion. The evaluation chooses one per pass, by what the passes look like.
import type { JmlHost } from './host.ts';
import type { Interpreter } from './interp.ts';
import { type Capabilities, type Capability, OWNER } from './capabilities.ts';
import { BudgetError, JmlError } from './errors.ts';
import { expand, extractDefinitions, type MacroDef } from './macro.ts';
import { type Builtin, IMPURE, lookup } from './builtins.ts';
import { firstOpen, indexUnescaped, isEscaped, quote, unescapeOutput } from './text.ts';
import { TermGraph } from './graph.ts';

export interface EvalOptions {
  /** What the evaluation may do (default: everything, the owner). */
  caps?: Capabilities;
  /** Who started it: definitions are attributed to them (default 'local'). */
  user?: string;
  /** Substitutions allowed (default: the interpreter's). */
  maxSteps?: number;
  /** Characters of text allowed, output and pending work together (default: the interpreter's). */
  maxOutput?: number;
  /** Milliseconds allowed, waiting for I/O included (default: the interpreter's). */
  maxTime?: number;
  /** Called with `>>>TEXT<<<` before every pass. */
  trace?: (line: string) => void;
  /** How passes run: 'auto' chooses per pass; 'text' and 'graph' force one (tests, benchmarks). */
  strategy?: 'auto' | 'text' | 'graph';
}

export interface RunResult {
  /** The line's output with the output filter applied (D6). */
  output: string;
  errors: string[];
  warnings: string[];
  steps: number;
  passes: number;
}

/** What builtins may use of the evaluation that calls them. */
export interface Ctx {
  host: JmlHost;
  /** The definition a name has for this evaluation (its own first, then the interpreter's). */
  macro(name: string): MacroDef | undefined;
  /** Every defined name this evaluation sees, in order of first definition. */
  macroNames(): string[];
  /** Define name (what: the builtin asking, for the error when not allowed). */
  define(name: string, formals: string, body: string, what: string): MacroDef;
  /** Throws `not allowed here: WHAT` unless the evaluation has the capability. */
  need(cap: Capability, what: string): void;
  /** Characters left in the output budget here. */
  room(): number;
  /** Milliseconds left before the deadline (what an I/O request may wait). */
  timeLeft(): number;
  help(): string;
}

type Pending = { at: number; len: number; result: PromiseLike<string> };
type Resolved = { macro: MacroDef | undefined; builtin: Builtin | undefined; impure: boolean };

/** Work (characters scanned or copied, calls, terms touched) between looks at the clock. */
const CLOCK_WORK = 1 << 16;

export class Evaluation implements Ctx {
  readonly host: JmlHost;
  readonly caps: Capabilities;
  readonly user: string;
  readonly maxSteps: number;
  readonly maxOutput: number;
  readonly maxTime: number;
  readonly deadline: number;
  steps = 0;
  passes = 0;
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  private readonly trace: ((line: string) => void) | undefined;
  private readonly strategy: 'auto' | 'text' | 'graph';
  private memo = new Map<string, string>();
  /** What each called name is here (a macro, a builtin or nothing): both caches last while the definitions do. */
  private resolved = new Map<string, Resolved>();
  private memoVersion: number;
  /** Definitions that last for this evaluation only (it may define, but not keep). */
  private local: Map<string, MacroDef> | null = null;
  private out: string[] = [];
  /** Characters output so far. */
  private done = 0;
  /** Characters of output and working text now. */
  private size = 0;
  /** The working text (text passes), or null while the graph holds it. */
  private text: string | null;
  private graph: TermGraph | null = null;
  private finished = false;
  private work = 0;
  private nextClock = CLOCK_WORK;
  private roomAsked = false;
  /** Calls answered from the memo (repeats): many mean the graph would share them. */
  private memoHits = 0;
  /** Inside a pure call for the graph: asking for the room left aborts it (the answer depends on the call's place). */
  private speculative = false;

  constructor(readonly interp: Interpreter, line: string, opts: EvalOptions = {}) {
    this.host = interp.host;
    this.caps = opts.caps || OWNER;
    this.user = opts.user || 'local';
    this.maxSteps = opts.maxSteps || interp.maxSteps;
    this.maxOutput = opts.maxOutput || interp.maxOutput;
    this.maxTime = opts.maxTime || interp.maxTime;
    this.deadline = this.host.now() + this.maxTime;
    this.trace = opts.trace;
    this.strategy = opts.strategy || 'auto';
    this.memoVersion = interp.version;
    this.text = line;
    if (this.strategy === 'graph') this.toGraph();
  }

  /**
   * Run to the end, awaiting I/O between passes (first: what an earlier
   * advance() returned). Never rejects: problems are %(ERROR:...) text.
   */
  async run(first: Promise<void> | null = this.advance()): Promise<RunResult> {
    for (let p = first; p; p = this.advance()) await p;
    return this.result();
  }

  /**
   * Run to the end without waiting: for hosts whose I/O is synchronous. A
   * builtin that returns a pending result ends the line with an error.
   */
  runSync(): RunResult {
    if (this.advance()) {
      this.finished = true;
      this.out.push(this.fail('this evaluation cannot wait for I/O here (use evaluate)'));
    }
    return this.result();
  }

  /** Passes until the end (null) or until a pass waits for I/O (a promise that settles when it may go on). */
  advance(): Promise<void> | null {
    try {
      while (!this.finished) {
        const wait = this.pass();
        if (wait) return wait;
      }
    } catch (e) {
      this.abort(e);
    }
    return null;
  }

  result(): RunResult {
    return { output: unescapeOutput(this.out.join('')), errors: this.errors, warnings: this.warnings, steps: this.steps, passes: this.passes };
  }

  // ---- a pass -------------------------------------------------------------

  private pass(): Promise<void> | null {
    this.charge(16);
    if (this.memoVersion !== this.interp.version) {
      // another evaluation defined something while this one waited
      this.forget();
    }
    const g = this.graph;
    if (g && (this.trace || g.sawMacro)) {
      if (this.trace) this.trace('>>>' + g.render() + '<<<');
      if (g.sawMacro) this.toText();
    } else if (!g && this.trace) this.trace('>>>' + this.text + '<<<');
    if (this.graph) return this.graphPass(this.graph);
    // Definitions are taken at the start of every pass (a result may hold one).
    let s = this.text as string;
    if (s.indexOf('[macro ') >= 0) s = this.takeDefinitions(s);
    // Text before the first [ is final: it leaves the working text.
    const first = firstOpen(s);
    if (first !== 0) {
      this.emit(first < 0 ? s : s.slice(0, first));
      if (first < 0) {
        this.finished = true;
        return null;
      }
      s = s.slice(first);
    }
    this.text = s;
    return this.textPass(s);
  }

  private graphPass(g: TermGraph): Promise<void> | null {
    this.emit(g.takeHead());
    if (!g.hasTerms()) {
      this.finished = true;
      return null;
    }
    this.size = this.done + g.length;
    if (!g.hasCalls()) {
      this.passes++;
      this.unclosed(g.render());
      return null;
    }
    const distinct = g.distinct();
    if (this.strategy === 'auto' && distinct >= 256 && g.occurrences() < 2 * distinct) {
      // many different calls, little sharing: the text pass does that with less work
      this.toText();
      return this.textPass(this.text as string);
    }
    const before = g.work;
    const steps = g.reduce(this);
    this.charge(g.work - before);
    if (steps < 0) {
      // this pass depends on order, effects or budgets: the text pass decides it
      this.toText();
      return this.textPass(this.text as string);
    }
    this.steps += steps;
    this.passes++;
    return null;
  }

  /** One text pass: reduce every innermost call, left to right. */
  private textPass(s: string): Promise<void> | null {
    // Native searches instead of a character loop: the first `[`, the first
    // `]` after it, then the last `[` before that `]` is the innermost call.
    this.size = this.done + s.length;
    this.memoHits = 0;
    let parts: string[] | null = null;
    let pending: Pending[] | null = null;
    let seg = 0;
    let calls = 0;
    let open = indexUnescaped(s, '[', 0);
    while (open >= 0) {
      const close = indexUnescaped(s, ']', open);
      if (close < 0) break;
      // The innermost call opens at the last [ before close (never before open).
      open = s.lastIndexOf('[', close);
      while (isEscaped(s, open)) open = s.lastIndexOf('[', open - 1);
      // the hot loop: no method calls it can do without (QuickJS does not inline)
      if (++this.steps > this.maxSteps) throw new BudgetError('step budget of ' + this.maxSteps + ' substitutions exceeded');
      const r = this.apply(s.slice(open + 1, close), false) as string | PromiseLike<string>;
      if (!parts) parts = [];
      parts.push(s.slice(seg, open));
      if (typeof r === 'string') {
        if ((this.size += r.length - (close - open + 1)) > this.maxOutput) this.grow(0);
        parts.push(r);
      } else {
        (pending || (pending = [])).push({ at: parts.length, len: close - open + 1, result: r });
        parts.push('');
      }
      seg = close + 1;
      if ((++calls & 255) === 0) this.charge(256 * 32);
      open = indexUnescaped(s, '[', seg);
    }
    this.passes++;
    this.charge(s.length + (calls & 255) * 32);
    if (!parts) {
      this.unclosed(s);
      return null;
    }
    parts.push(s.slice(seg));
    if (!pending) {
      this.endTextPass(parts, calls);
      return null;
    }
    const waits = pending;
    const whole = parts;
    const settle = (p: Pending) => p.result.then((v) => ({ ok: true, v: String(v) }), (e: unknown) => ({ ok: false, v: message(e, 'failed') }));
    return Promise.all(waits.map(settle)).then((results) => {
      try {
        // in place, left to right, as if the calls had answered at once
        results.forEach((r, i) => {
          const text = r.ok ? r.v : this.fail(r.v);
          this.grow(text.length - waits[i].len);
          whole[waits[i].at] = text;
        });
        this.checkClock();
        this.endTextPass(whole, calls);
      } catch (e) {
        this.abort(e);
      }
    });
  }

  private endTextPass(parts: string[], calls: number): void {
    const before = (this.text as string).length;
    const s = parts.join('');
    this.text = s;
    if (this.strategy !== 'auto' || calls === 0) return;
    // The graph pays when most of the text waits while a few calls change
    // (deep nesting, a long text around a loop), or when calls repeat
    // (recursion, lists of the same call): it touches each distinct call once.
    const idle = s.length > 4096 && s.length > 64 * calls && !hasCalls(parts, s.length / 64);
    const repeating = calls >= 64 && this.memoHits * 2 >= calls && s.length > before;
    if (idle || repeating) this.toGraph();
  }

  private toGraph(): void {
    this.graph = new TermGraph(this.text as string);
    this.charge(this.graph.work);
    this.text = null;
  }

  private toText(): void {
    this.text = (this.graph as TermGraph).render();
    this.charge(this.text.length);
    this.graph = null;
  }

  private emit(head: string): void {
    if (!head) return;
    this.out.push(head);
    this.done += head.length;
  }

  private unclosed(rest: string): void {
    this.out.push(rest);
    this.warnings.push('unclosed [ kept as text');
    this.finished = true;
  }

  private abort(e: unknown): void {
    this.finished = true;
    this.graph = null;
    this.out.push(this.fail(e instanceof JmlError ? e.message : 'internal error: ' + message(e, 'unknown')));
  }

  // ---- calls --------------------------------------------------------------

  /** For the graph: a pure call's result, or null for anything the text pass must decide. */
  callPure(expr: string): string | null {
    const r = this.apply(expr, true);
    return typeof r === 'string' ? r : null;
  }

  /**
   * Reduce one call: user macros first (newest definition), then builtins.
   * pure: only what does not depend on the call's place in the text: null
   * for an impure builtin, an error (recorded in text order by the text
   * pass), or a result that asked for the room left here.
   */
  private apply(expr: string, pure: boolean): string | PromiseLike<string> | null {
    // Macro expansion and most builtins are pure, so within a line a repeated
    // call (fib's [< 19 2], [fib 18], ...) is looked up, not recomputed.
    const memo = expr.length < 200 ? this.memo : null;
    const hit = memo && memo.get(expr);
    if (hit !== undefined && hit !== null) {
      this.memoHits++;
      return hit;
    }
    const sp = expr.indexOf(' ');
    const name = sp < 0 ? expr : expr.slice(0, sp);
    const { macro: m, builtin: f, impure } = this.resolve(name);
    let r: string | PromiseLike<string>;
    if (m) r = expand(m, sp < 0 ? '' : expr.slice(sp + 1));
    else {
      if (!f) r = '[FAIL ' + expr + ']';
      else {
        if (pure && impure) return null;
        this.roomAsked = false;
        this.speculative = pure;
        try {
          r = f(sp < 0 ? '' : expr.slice(sp + 1), this, name);
        } catch (e) {
          if (pure) return null;
          if (e instanceof BudgetError) throw e;
          return this.fail(e instanceof JmlError ? e.message : name + ': ' + message(e, 'failed'));
        } finally {
          this.speculative = false;
        }
        // impure and position-dependent results are never remembered
        if (typeof r !== 'string' || this.roomAsked) return pure ? null : r;
        if (impure) return r;
      }
    }
    if (memo) {
      if (memo.size > 20000) memo.clear();
      memo.set(expr, r);
    }
    return r;
  }

  stepsLeft(): number {
    return this.maxSteps - this.steps;
  }

  roomLeft(): number {
    return this.maxOutput - this.size;
  }

  private fail(msg: string): string {
    this.errors.push(msg);
    return '%(ERROR:' + quote(msg) + ')';
  }

  // ---- budgets ------------------------------------------------------------

  private grow(by: number): void {
    this.size += by;
    if (this.size > this.maxOutput) throw new BudgetError('output budget of ' + this.maxOutput + ' characters exceeded');
  }

  /** Count work (characters scanned or copied, terms touched); look at the clock now and then. */
  private charge(units: number): void {
    this.work += units;
    if (this.work >= this.nextClock) this.checkClock();
  }

  private checkClock(): void {
    this.nextClock = this.work + CLOCK_WORK;
    if (this.host.now() > this.deadline) throw new BudgetError('time budget of ' + this.maxTime + ' ms exceeded');
  }

  // ---- what builtins see (Ctx) ----------------------------------------------

  macro(name: string): MacroDef | undefined {
    return (this.local && this.local.get(name)) || this.interp.macros.get(name);
  }

  macroNames(): string[] {
    const names = [...this.interp.macros.keys()];
    if (this.local) for (const n of this.local.keys()) if (!this.interp.macros.has(n)) names.push(n);
    return names;
  }

  need(cap: Capability, what: string): void {
    if (!this.caps.has(cap)) throw new JmlError('not allowed here: ' + what);
  }

  define(name: string, formals: string, body: string, what: string, meta?: { pos?: number; time?: string; user?: string }): MacroDef {
    this.need('define', what);
    const m = { pos: meta && meta.pos, time: meta && meta.time, user: (meta && meta.user) || this.user };
    let d: MacroDef;
    if (this.caps.has('state')) d = this.interp.define(name, formals, body, m);
    else {
      // no state: the definition lasts for this evaluation (a preview)
      d = this.interp.makeDefinition(name, formals, body, { ...m, pos: 0 });
      (this.local || (this.local = new Map())).set(name, d);
    }
    this.forget();
    return d;
  }

  /** Definitions changed: what was remembered may be wrong now. */
  private forget(): void {
    this.memo.clear();
    this.resolved.clear();
    this.memoVersion = this.interp.version;
  }

  private resolve(name: string): Resolved {
    let r = this.resolved.get(name);
    if (!r) {
      const macro = this.macro(name);
      const host = macro ? undefined : this.interp.hostBuiltins.get(name);
      r = { macro, builtin: macro ? undefined : host || lookup(name), impure: !!host || IMPURE.has(name) };
      if (this.resolved.size > 4096) this.resolved.clear();
      this.resolved.set(name, r);
    }
    return r;
  }

  room(): number {
    if (this.speculative) throw new Error('position-dependent');
    this.roomAsked = true;
    return this.maxOutput - this.size;
  }

  timeLeft(): number {
    return Math.max(0, this.deadline - this.host.now());
  }

  help(): string {
    return this.interp.help(this.macroNames());
  }

  private takeDefinitions(s: string): string {
    const r = extractDefinitions(s);
    let errs = '';
    for (const d of r.defs) {
      if (!d.name) this.fail('a macro needs a name');
      else {
        try {
          this.define(d.name, d.formals, d.body, 'macro', d);
        } catch (e) {
          errs += this.fail(message(e, 'cannot define ' + d.name));
        }
      }
    }
    return r.text + errs + (r.error ? this.fail(r.error) : '');
  }
}

/** Whether the results of a text pass (at odd places in its parts) hold about n calls or more: the next pass's work. */
function hasCalls(parts: string[], n: number): boolean {
  for (let i = 1; i < parts.length; i += 2) for (let k = parts[i].indexOf('['); k >= 0; k = parts[i].indexOf('[', k + 1)) if (--n <= 0) return true;
  return false;
}

function message(e: unknown, dflt: string): string {
  return e instanceof Error ? e.message : typeof e === 'string' ? e : dflt;
}
