// The interpreter holds the definitions and nothing else: every line is an
// Evaluation (evaluation.ts) with its own budgets, capabilities and memo, so
// any number of them may be in flight at once.
import type { JmlHost } from './host.ts';
import { JmlError } from './errors.ts';
import { definitionLine, type MacroDef, unkeepable } from './macro.ts';
import { type Builtin, isoTime } from './builtins.ts';
import { groups } from './help.ts';
import { Evaluation, type EvalOptions, type RunResult } from './evaluation.ts';

export interface InterpOptions {
  host: JmlHost;
  /** Substitutions per evaluation (default 1,000,000). */
  maxSteps?: number;
  /** Characters of text per evaluation, output and pending work together (default 16 MiB). */
  maxOutput?: number;
  /** Milliseconds per evaluation (default 10,000). */
  maxTime?: number;
}

export interface DefinitionMeta {
  /** Position in the definition log (default: the next one). */
  pos?: number;
  /** ISO-8601 UTC time, seconds precision (default: now). */
  time?: string;
  /** Who made it (default 'local'). */
  user?: string;
}

export class Interpreter {
  readonly host: JmlHost;
  maxSteps: number;
  maxOutput: number;
  maxTime: number;
  /** Definitions by name; a Map keeps the order of first definition (D15). */
  readonly macros = new Map<string, MacroDef>();
  /**
   * Called with every new definition before it takes effect (the runtime
   * appends it to the state log). If it throws, nothing is defined.
   */
  onDefine: ((d: MacroDef, line: string) => void) | null = null;
  /**
   * Builtins the runtime adds (a node's [id], [send], a sensor's [sensor]):
   * found after the user's macros and before the language's own. Never memoized.
   */
  readonly hostBuiltins = new Map<string, Builtin>();
  /** Bumped by every definition: evaluations in flight drop their memo when it moves. */
  version = 0;
  private logPos = 0;

  constructor(opts: InterpOptions) {
    this.host = opts.host;
    this.maxSteps = opts.maxSteps || 1_000_000;
    this.maxOutput = opts.maxOutput || 16 * 1024 * 1024;
    this.maxTime = opts.maxTime || 10_000;
  }

  /** An evaluation of line, not started yet. */
  evaluation(line: string, opts?: EvalOptions): Evaluation {
    return new Evaluation(this, line, opts);
  }

  /** Evaluate line, waiting for its I/O. Never rejects: problems come back as %(ERROR:...) text. */
  evaluate(line: string, opts?: EvalOptions): Promise<RunResult> {
    return new Evaluation(this, line, opts).run();
  }

  /** Evaluate line at once (no I/O that has to be waited for). */
  run(line: string, opts?: EvalOptions): RunResult {
    return new Evaluation(this, line, opts).runSync();
  }

  /** A definition record, not yet in effect. */
  makeDefinition(name: string, formals: string, body: string, meta: DefinitionMeta = {}): MacroDef {
    return {
      name,
      formals: formals.trim(),
      // a state line is one line: a raw newline is kept as the \n escape
      body: body.replace(/\r?\n/g, '\\n'),
      time: meta.time || isoTime(this.host.now()),
      pos: meta.pos || this.logPos + 1,
      user: meta.user || 'local',
    };
  }

  /**
   * Define (or redefine) name: kept first (onDefine), then in effect. A
   * definition whose state-log line would not read back exactly is refused.
   */
  define(name: string, formals: string, body: string, meta: DefinitionMeta = {}): MacroDef {
    const d = this.makeDefinition(name, formals, body, meta);
    try {
      const why = unkeepable(d);
      if (why) throw new Error(why);
      this.onDefine?.(d, definitionLine(d));
    } catch (e) {
      throw new JmlError('cannot keep ' + name + ': ' + (e instanceof Error ? e.message : String(e)));
    }
    if (d.pos > this.logPos) this.logPos = d.pos;
    this.macros.set(name, d);
    this.version++;
    return d;
  }

  /** `[help]`: the builtins by group, then the user's functions. */
  help(names: string[] = [...this.macros.keys()]): string {
    let out = '';
    for (const [group, list] of groups()) out += group + ': ' + list + '\\n';
    if (this.hostBuiltins.size) out += 'node: ' + [...this.hostBuiltins.keys()].join(' ') + '\\n';
    return out + 'user: ' + names.join(' ');
  }
}
