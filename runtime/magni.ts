// The node: an interpreter wired to its Host and its state files. Every
// target (the run command, the web server, the QuickJS board) drives this.
import { Interpreter, type Capabilities, type EvalOptions, type MacroDef, type RunResult } from '../jml/index.ts';
import type { Host } from './host.ts';
import { appendStateLine, readStateLines } from './state.ts';

export interface NodeOptions {
  /** Loaded in order; the last one receives new definitions. Default ['jml.state']. */
  stateFiles?: string[];
  maxSteps?: number;
  maxOutput?: number;
  /** Milliseconds per line, state replay included (default 10,000). */
  maxTime?: number;
  /** No notes on the diagnostic stream, only errors. */
  quiet?: boolean;
}

export type LineResult = RunResult;

/** Replaying the state log: its definitions (and code it loads), never the network. */
const REPLAY: Capabilities = new Set(['define', 'state', 'code']);

export class MagniNode {
  readonly interp: Interpreter;
  readonly stateFiles: string[];
  /** The file that receives new definitions. */
  readonly stateFile: string;
  private fragmentChecked = false;

  constructor(readonly host: Host, readonly opts: NodeOptions = {}) {
    this.interp = new Interpreter({ host, maxSteps: opts.maxSteps, maxOutput: opts.maxOutput, maxTime: opts.maxTime });
    this.stateFiles = opts.stateFiles && opts.stateFiles.length ? opts.stateFiles : ['jml.state'];
    this.stateFile = this.stateFiles[this.stateFiles.length - 1];
  }

  /** Replay the state files, each line within the budgets. Bad lines are reported and skipped; the rest loads. */
  load(): void {
    this.interp.onDefine = null;
    for (const file of this.stateFiles) {
      for (const l of readStateLines(this.host, file)) {
        const where = file + ':' + l.line + ': ';
        if (!l.complete) {
          this.host.log('%(ERROR:' + where + 'line cut short (no newline), skipped)');
          continue;
        }
        if (!l.text.trim()) continue;
        const r = this.interp.run(l.text, { caps: REPLAY });
        for (const e of r.errors) this.host.log('%(ERROR:' + where + e + ')');
      }
    }
    this.interp.onDefine = (d, line) => this.persist(d, line);
  }

  /** Evaluate one line (as the owner unless opts say otherwise); errors and warnings also go to the diagnostic stream. */
  async evalLine(line: string, opts: EvalOptions = {}): Promise<LineResult> {
    return this.evaluate(line, opts);
  }

  /** The same, but the result at once when the line needed no I/O (a firmware on a synchronous host never sees a promise). */
  evaluate(line: string, opts: EvalOptions = {}): LineResult | Promise<LineResult> {
    const ev = this.interp.evaluation(line, opts);
    const wait = ev.advance();
    return wait ? ev.run(wait).then((r) => this.report(r)) : this.report(ev.result());
  }

  /** The same, for a host whose I/O is synchronous: a line that would wait for I/O is an error. */
  evalLineSync(line: string, opts: EvalOptions = {}): LineResult {
    return this.report(this.interp.run(line, opts));
  }

  private report(r: RunResult): RunResult {
    for (const e of r.errors) this.host.log('%(ERROR:' + e + ')');
    if (!this.opts.quiet) for (const w of r.warnings) this.host.log('%WARNING: ' + w);
    return r;
  }

  private persist(d: MacroDef, line: string): void {
    if (this.fragmentChecked) this.host.appendText(this.stateFile, line + '\n');
    else appendStateLine(this.host, this.stateFile, line);
    this.fragmentChecked = true;
    if (!this.opts.quiet) this.host.log('[appended ' + d.name + ' to ' + this.stateFile + ']');
  }
}
