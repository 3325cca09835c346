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
import type { DefinitionMeta, Interpreter } from './interp.ts';
import { type Capabilities, type Capability, OWNER } from './capabilities.ts';
import { BudgetError, JmlError } from './errors.ts';
import { expand, extractDefinitions, type MacroDef } from './macro.ts';
import { type Builtin, IMPURE, lookup } from './builtins.ts';
import { indexUnescaped, isEscaped, quote, unescapeOutput } from './text.ts';
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
  /** Who started the evaluation (definitions are attributed to them). */
  readonly user: string;
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
  readonly user: string;
  private readonly granted: Capabilities;
  private readonly stepLimit: number;
  private readonly outputLimit: number;
  private readonly timeLimit: number;
  private readonly lineDeadline: number;
  private stepsTaken = 0;
  private passCount = 0;
  private readonly errorTexts: string[] = [];
  private readonly warningTexts: string[] = [];
  private readonly tracer: ((line: string) => void) | undefined;
  private readonly passStrategy: 'auto' | 'text' | 'graph';
  private memo = new Map<string, string>();
  /** What each called name is here (a macro, a builtin or nothing): both caches last while the definitions do. */
  private resolved = new Map<string, Resolved>();
  private memoVersion: number;
  /** Definitions that last for this evaluation only (it may define, but not keep). */
  private localDefs: Map<string, MacroDef> | null = null;
  private outputParts: string[] = [];
  /** Characters output so far. */
  private emitted = 0;
  /** Characters of output and working text now. */
  private currentSize = 0;
  /** The working text (text passes), or null while the graph holds it. */
  private workingText: string | null;
  private termGraph: TermGraph | null = null;
  private lineFinished = false;
  /** Work left before the next look at the clock. */
  private workUntilClock = CLOCK_WORK;
  private roomAsked = false;
  /** Calls answered from the memo (repeats): many mean the graph would share them. */
  private memoHits = 0;
  /** Inside a pure call for the graph: asking for the room left aborts it (the answer depends on the call's place). */
  private speculative = false;

  constructor(private readonly interpreter: Interpreter, line: string, opts: EvalOptions = {}) {
    this.host = interpreter.host;
    this.granted = opts.caps || OWNER;
    this.user = opts.user || 'local';
    this.stepLimit = opts.maxSteps || interpreter.maxSteps;
    this.outputLimit = opts.maxOutput || interpreter.maxOutput;
    this.timeLimit = opts.maxTime || interpreter.maxTime;
    this.lineDeadline = this.host.now() + this.timeLimit;
    this.tracer = opts.trace;
    this.passStrategy = opts.strategy || 'auto';
    this.memoVersion = interpreter.version;
    this.workingText = line;
    if (this.passStrategy === 'graph') this.toGraph();
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
    if (this.advance()) this.abortLine(new JmlError('cannot wait for I/O here (use evaluate)'));
    return this.result();
  }

  /** Passes until the end (null) or until a pass waits for I/O (a promise that settles when it may go on). */
  advance(): Promise<void> | null {
    try {
      while (!this.lineFinished) {
        const wait = this.runPass();
        if (wait) return wait;
      }
    } catch (e) {
      this.abortLine(e);
    }
    return null;
  }

  result(): RunResult {
    return { output: unescapeOutput(this.outputParts.join('')), errors: this.errorTexts, warnings: this.warningTexts, steps: this.stepsTaken, passes: this.passCount };
  }

  // ---- a pass -------------------------------------------------------------

  private runPass(): Promise<void> | null {
    this.charge(16);
    if (this.memoVersion !== this.interpreter.version) {
      // another evaluation defined something while this one waited
      this.forget();
    }
    const g = this.termGraph;
    if (this.tracer) this.tracer('>>>' + (g ? g.render() : this.workingText) + '<<<');
    if (g && g.sawMacro) this.toText();
    if (this.termGraph) return this.graphPass(this.termGraph);
    // Definitions are taken at the start of every pass (a result may hold one).
    let s = this.workingText as string;
    if (s.indexOf('[macro ') >= 0) s = this.takeDefinitions(s);
    // Text before the first [ is final: it leaves the working text.
    const first = indexUnescaped(s, '[', 0);
    if (first !== 0) {
      this.emitFinal(first < 0 ? s : s.slice(0, first));
      if (first < 0) return this.finishLine();
      s = s.slice(first);
    }
    this.workingText = s;
    return this.textPass(s);
  }

  private graphPass(g: TermGraph): Promise<void> | null {
    this.emitFinal(g.takeHead());
    if (!g.hasTerms()) return this.finishLine();
    this.currentSize = this.emitted + g.length;
    const distinct = g.distinct();
    if (!distinct) {
      // no call to reduce: only unclosed brackets are left
      this.passCount++;
      return this.endUnclosed(g.render());
    }
    if (this.passStrategy === 'auto' && distinct >= 256 && g.occurrences() < 2 * distinct) {
      // many different calls, little sharing: the text pass does that with less work
      return this.textPass(this.toText());
    }
    const steps = g.reduce(this.stepLimit - this.stepsTaken, this.outputLimit - this.currentSize, (expr) => this.pureCall(expr));
    this.charge(g.work);
    if (steps < 0) {
      // this pass depends on order, effects or budgets: the text pass decides it
      return this.textPass(this.toText());
    }
    this.stepsTaken += steps;
    this.passCount++;
    return null;
  }

  /** One text pass: reduce every innermost call, left to right. */
  private textPass(s: string): Promise<void> | null {
    // Native searches instead of a character loop: the first `[`, the first
    // `]` after it, then the last `[` before that `]` is the innermost call.
    this.currentSize = this.emitted + s.length;
    this.memoHits = 0;
    const parts: string[] = [];
    const pending: Pending[] = [];
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
      if (++this.stepsTaken > this.stepLimit) throw new BudgetError('step budget of ' + this.stepLimit + ' substitutions exceeded');
      const r = this.applyCall(s.slice(open + 1, close), false) as string | PromiseLike<string>;
      parts.push(s.slice(seg, open));
      if (typeof r === 'string') {
        if ((this.currentSize += r.length - (close - open + 1)) > this.outputLimit) this.growBy(0);
        parts.push(r);
      } else {
        pending.push({ at: parts.length, len: close - open + 1, result: r });
        parts.push('');
      }
      seg = close + 1;
      if ((++calls & 255) === 0) this.charge(256 * 32);
      open = indexUnescaped(s, '[', seg);
    }
    this.passCount++;
    this.charge(s.length + (calls & 255) * 32);
    if (!calls) return this.endUnclosed(s);
    parts.push(s.slice(seg));
    if (!pending.length) {
      this.endTextPass(parts, calls);
      return null;
    }
    return Promise.allSettled(pending.map((p) => p.result)).then((results) => {
      try {
        // in place, left to right, as if the calls had answered at once
        results.forEach((r, i) => {
          const text = r.status === 'fulfilled' ? String(r.value) : this.recordError(message(r.reason, 'failed'));
          this.growBy(text.length - pending[i].len);
          parts[pending[i].at] = text;
        });
        this.checkClock();
        this.endTextPass(parts, calls);
      } catch (e) {
        this.abortLine(e);
      }
    });
  }

  private endTextPass(parts: string[], calls: number): void {
    const before = (this.workingText as string).length;
    const s = parts.join('');
    this.workingText = s;
    if (this.passStrategy !== 'auto' || calls === 0) return;
    // The graph pays when most of the text waits while a few calls change
    // (deep nesting, a long text around a loop), or when calls repeat
    // (recursion, lists of the same call): it touches each distinct call once.
    const idle = s.length > 4096 && s.length > 64 * calls && !hasCalls(parts, s.length / 64);
    const repeating = calls >= 64 && this.memoHits * 2 >= calls && s.length > before;
    if (idle || repeating) this.toGraph();
  }

  private toGraph(): void {
    this.termGraph = new TermGraph(this.workingText as string);
    this.charge(this.termGraph.work);
    this.workingText = null;
  }

  /** Back to text passes: the working text, rendered from the graph. */
  private toText(): string {
    const text = (this.termGraph as TermGraph).render();
    this.workingText = text;
    this.charge(text.length);
    this.termGraph = null;
    return text;
  }

  private emitFinal(head: string): void {
    if (!head) return;
    this.outputParts.push(head);
    this.emitted += head.length;
  }

  private endUnclosed(rest: string): null {
    this.outputParts.push(rest);
    this.warningTexts.push('unclosed [ kept as text');
    return this.finishLine();
  }

  /** The line is done: no more passes (null: nothing to wait for). */
  private finishLine(): null {
    this.lineFinished = true;
    return null;
  }

  private abortLine(e: unknown): void {
    this.lineFinished = true;
    this.termGraph = null;
    this.outputParts.push(this.recordError(e instanceof JmlError ? e.message : 'internal error: ' + message(e, 'unknown')));
  }

  // ---- calls --------------------------------------------------------------

  /** For the graph: a pure call's result, or null for anything the text pass must decide. */
  private pureCall(expr: string): string | null {
    const r = this.applyCall(expr, true);
    return typeof r === 'string' ? r : null;
  }

  /**
   * Reduce one call: user macros first (newest definition), then builtins.
   * pure: only what does not depend on the call's place in the text: null
   * for an impure builtin, an error (recorded in text order by the text
   * pass), or a result that asked for the room left here.
   */
  private applyCall(expr: string, pure: boolean): string | PromiseLike<string> | null {
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
    const args = sp < 0 ? '' : expr.slice(sp + 1);
    const { macro: m, builtin: f, impure } = this.resolveCallee(name);
    let r: string | PromiseLike<string>;
    if (m) r = expand(m, args);
    else {
      if (!f) r = '[FAIL ' + expr + ']';
      else {
        if (pure && impure) return null;
        this.roomAsked = false;
        this.speculative = pure;
        try {
          r = f(args, this, name);
        } catch (e) {
          if (pure) return null;
          if (e instanceof BudgetError) throw e;
          return this.recordError(e instanceof JmlError ? e.message : name + ': ' + message(e, 'failed'));
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

  private recordError(msg: string): string {
    this.errorTexts.push(msg);
    return '%(ERROR:' + quote(msg) + ')';
  }

  // ---- budgets ------------------------------------------------------------

  private growBy(by: number): void {
    this.currentSize += by;
    if (this.currentSize > this.outputLimit) throw new BudgetError('output budget of ' + this.outputLimit + ' characters exceeded');
  }

  /** Count work (characters scanned or copied, terms touched); look at the clock now and then. */
  private charge(units: number): void {
    if ((this.workUntilClock -= units) <= 0) this.checkClock();
  }

  private checkClock(): void {
    this.workUntilClock = CLOCK_WORK;
    if (this.host.now() > this.lineDeadline) throw new BudgetError('time budget of ' + this.timeLimit + ' ms exceeded');
  }

  // ---- what builtins see (Ctx) ----------------------------------------------

  macro(name: string): MacroDef | undefined {
    return (this.localDefs && this.localDefs.get(name)) || this.interpreter.macros.get(name);
  }

  macroNames(): string[] {
    const names = [...this.interpreter.macros.keys()];
    if (this.localDefs) for (const n of this.localDefs.keys()) if (!this.interpreter.macros.has(n)) names.push(n);
    return names;
  }

  need(cap: Capability, what: string): void {
    if (!this.granted.has(cap)) throw new JmlError('not allowed here: ' + what);
  }

  define(name: string, formals: string, body: string, what: string, meta: DefinitionMeta = {}): MacroDef {
    this.need('define', what);
    const m = { pos: meta.pos, time: meta.time, user: meta.user || this.user };
    let d: MacroDef;
    if (this.granted.has('state')) d = this.interpreter.define(name, formals, body, m);
    else {
      // no state: the definition lasts for this evaluation (a preview)
      d = this.interpreter.makeDefinition(name, formals, body, { ...m, pos: 0 });
      (this.localDefs || (this.localDefs = new Map())).set(name, d);
    }
    this.forget();
    return d;
  }

  /** Definitions changed: what was remembered may be wrong now. */
  private forget(): void {
    this.memo.clear();
    this.resolved.clear();
    this.memoVersion = this.interpreter.version;
  }

  private resolveCallee(name: string): Resolved {
    let r = this.resolved.get(name);
    if (!r) {
      const macro = this.macro(name);
      const own = this.interpreter.hostBuiltins.get(name);
      r = { macro, builtin: macro ? undefined : own || lookup(name), impure: !!own || IMPURE.has(name) };
      if (this.resolved.size > 4096) this.resolved.clear();
      this.resolved.set(name, r);
    }
    return r;
  }

  room(): number {
    if (this.speculative) throw new Error('position-dependent');
    this.roomAsked = true;
    return this.outputLimit - this.currentSize;
  }

  timeLeft(): number {
    return Math.max(0, this.lineDeadline - this.host.now());
  }

  help(): string {
    return this.interpreter.help(this.macroNames());
  }

  private takeDefinitions(s: string): string {
    const r = extractDefinitions(s);
    let errs = '';
    for (const d of r.defs) {
      if (!d.name) this.recordError('a macro needs a name');
      else {
        try {
          this.define(d.name, d.formals, d.body, 'macro', d);
        } catch (e) {
          errs += this.recordError(message(e, 'cannot define ' + d.name));
        }
      }
    }
    return r.text + errs + (r.error ? this.recordError(r.error) : '');
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
