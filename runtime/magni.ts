// The node: an interpreter wired to its Host and its state files. Every
// target (the run command, the web server, the QuickJS board) drives this.
import { Interpreter, OWNER, type Capabilities, type EvalOptions, type MacroDef, type RunResult } from '../jml/index.ts';
import { utf8Length } from '../jml/utf8.ts';
import type { Host } from './host.ts';
import { readStateLines } from './state.ts';
import { logError, logWarning } from './diagnostics.ts';

export interface NodeOptions {
  /** Loaded in order; the last one receives new definitions. Default ['jml.state']. */
  stateFiles?: string[];
  maxSteps?: number;
  maxOutput?: number;
  /** Milliseconds per line, state replay included (default 10,000). */
  maxTime?: number;
  /** No notes on the diagnostic stream, only errors. */
  quiet?: boolean;
  /** The state files are another process's: read, never written (definitions last for their line). */
  readOnly?: boolean;
}

export type LineResult = RunResult;

/** A kept version of a definition: where its line is in the state log, and who made it when. */
export interface Version {
  file: string;
  offset: number;
  bytes: number;
  /** The definition's position in the log (several may share a line). */
  pos: number;
  /**
   * When it was made, ms since the epoch (NaN if its line does not say). A
   * number, not the definition's time text: engines keep a substring as a view
   * of its string, and that would keep every old version's whole line alive.
   */
  at: number;
  user: string;
}

/** Replaying the state log: its definitions (and code it loads), never the network. */
const REPLAY: Capabilities = new Set(['define', 'state', 'code']);
/** The owner, on state files another process writes: everything but keeping definitions. */
const OWNER_READING: Capabilities = new Set([...OWNER].filter((c) => c !== 'state'));

/** A string copied out of its parent: one kept for long must not keep the line it was cut from (see Version.at). */
const copyOf = (s: string): string => s.split('').join('');

/** Whose versions are indexed: wiki pages (the web node's history), not every data write. */
const HISTORY = 'page-';

/** Definitions an evaluation made, kept together when it ends (evalAsOne). */
interface Batch {
  lines: string[];
  defs: MacroDef[];
  /** What each name meant before: put back if the batch cannot be kept. */
  before: Map<string, MacroDef | undefined>;
}

/** Whose definitions came from handling a message: `msg:FROM:SEQ` (the state log then shows the handling was done). */
export const MESSAGE_USER = /^msg:([A-Za-z0-9_-]+):(\d+)$/;

export class MagniNode {
  readonly interp: Interpreter;
  readonly stateFiles: string[];
  /** The file that receives new definitions. */
  readonly stateFile: string;
  /** Every kept version of each page, oldest first: /history reads one line, never the whole log. */
  readonly versions = new Map<string, Version[]>();
  /** Messages whose handling the state log holds (FROM:SEQ), found while loading; the message service takes them. */
  readonly handledInState = new Set<string>();
  private batches = new Map<string, Batch>();

  constructor(readonly host: Host, readonly opts: NodeOptions = {}) {
    this.interp = new Interpreter({ ...opts, host }); // it takes the budgets (maxSteps, maxOutput, maxTime)
    this.stateFiles = opts.stateFiles?.length ? opts.stateFiles : ['jml.state'];
    this.stateFile = this.stateFiles[this.stateFiles.length - 1];
  }

  /** Replay the state files a line at a time, each within the budgets. Bad lines are reported and skipped; the rest loads. */
  load(): void {
    for (const file of this.stateFiles) {
      for (const l of readStateLines(this.host, file)) {
        if (l.complete && !l.text.trim()) continue;
        this.interp.onDefine = (d) => {
          const m = MESSAGE_USER.exec(d.user);
          if (m) this.handledInState.add(m[1] + ':' + Number(m[2]));
          this.remember(d, file, l.offset, l.bytes);
        };
        const errors = l.complete ? this.interp.run(l.text, { caps: REPLAY }).errors : ['line cut short (no newline), skipped'];
        for (const e of errors) logError(this.host, file + ':' + l.line + ': ' + e);
      }
    }
    this.interp.onDefine = (d, line) => this.keepDefinition(d, line);
  }

  /** Evaluate one line (as the owner unless opts say otherwise); errors and warnings also go to the diagnostic stream. */
  async evalLine(line: string, opts: EvalOptions = {}): Promise<LineResult> {
    return this.evaluate(line, opts);
  }

  /** The same, but the result at once when the line needed no I/O (a firmware on a synchronous host never sees a promise). */
  evaluate(line: string, opts: EvalOptions = {}): LineResult | Promise<LineResult> {
    const ev = this.interp.evaluation(line, { caps: this.opts.readOnly ? OWNER_READING : OWNER, ...opts });
    const wait = ev.advance();
    return wait ? ev.run(wait).then((r) => this.logResult(r)) : this.logResult(ev.result());
  }

  /**
   * Evaluate line as one change, for opts.user (who must have no other
   * evaluation in flight): its definitions take effect as it goes and are
   * kept together, in one state line, when it ends. If that line cannot be
   * written, they are undone and this throws: all or nothing, on disk too.
   */
  async evalAsOne(line: string, opts: EvalOptions & { user: string }): Promise<LineResult> {
    const b: Batch = { lines: [], defs: [], before: new Map() };
    this.batches.set(opts.user, b);
    let r: LineResult;
    try {
      r = await this.evaluate(line, opts);
    } finally {
      this.batches.delete(opts.user);
    }
    if (!b.lines.length) return r;
    try {
      this.appendState(b.lines.join(''), b.defs);
    } catch (e) {
      for (const [name, d] of b.before) d ? this.interp.macros.set(name, d) : this.interp.macros.delete(name);
      this.interp.version++;
      throw e;
    }
    return r;
  }

  private logResult(r: RunResult): RunResult {
    for (const e of r.errors) logError(this.host, e);
    if (!this.opts.quiet) for (const w of r.warnings) logWarning(this.host, w);
    return r;
  }

  /** Kept on disk (the Host appends it whole and durably, or throws) before it takes effect. */
  private keepDefinition(d: MacroDef, line: string): void {
    const b = this.batches.get(d.user);
    if (b) {
      if (!b.before.has(d.name)) b.before.set(d.name, this.interp.macros.get(d.name));
      b.lines.push(line);
      b.defs.push(d);
      return;
    }
    this.appendState(line, [d]);
    if (!this.opts.quiet) this.host.log('[appended ' + d.name + ' to ' + this.stateFile + ']');
  }

  /** Append a state line that holds defs (on disk when this returns, or it throws), then index their versions. */
  private appendState(text: string, defs: MacroDef[]): void {
    const offset = this.host.appendLine(this.stateFile, text);
    for (const d of defs) this.remember(d, this.stateFile, offset, utf8Length(text));
  }

  private remember(d: MacroDef, file: string, offset: number, bytes: number): void {
    if (!d.name.startsWith(HISTORY)) return;
    let v = this.versions.get(d.name);
    if (!v) this.versions.set(d.name, (v = []));
    v.push({ file, offset, bytes, pos: d.pos, at: Date.parse(d.time), user: copyOf(d.user) });
  }
}
