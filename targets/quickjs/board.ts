// The virtual board: dist/board.js running inside QuickJS on Node or Bun,
// with the firmware's host ABI (firmware-shims/quickjs-host.ts) backed by
// node:fs and node:crypto, so the device build is exercised and its heap
// measured without a device.
//
// QuickJS variant: RELEASE_SYNC, the one getQuickJS() uses
// (@jitl/quickjs-wasmfile-release-sync): bellard/quickjs, release build, sync
// (no asyncify), wasm32, so pointers and heap numbers match a 32-bit MCU.
// Each VM instantiates it with its own capped wasm memory (a few ms).
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { QuickJSHostABI } from '../../firmware-shims/quickjs-host.ts';
import { appendText, nodeHost, wget } from '../node/host.ts';
import { readOrCreateNodeKey, sha256, verify } from '../node/node-key.ts';
import type { KeyType, NodeKey } from '../../runtime/host.ts';
import { setStripInfo, type StripLevel } from './strip.ts';
import type { LineResult } from '../../runtime/index.ts';
import type { MqttLink, ReadingBuffer } from '../../runtime/sensors/io.ts';
import type { SensorSource } from '../../runtime/sensors/model.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE = 64 * KiB;
const INITIAL_MEMORY = 16 * MiB; // what the variant's emscripten build starts with

export interface VmOptions {
  /**
   * Cap on the VM's whole wasm memory (QuickJS heap, C stack, static data), in
   * bytes, at least 16 MiB: past it allocations fail and the script gets an
   * out-of-memory error. (QuickJS's own JS_SetMemoryLimit is no byte cap in
   * this build: emscripten has no malloc_usable_size, so it counts ~8 bytes
   * an allocation; and without a cap the wasm memory grows to 2 GiB.)
   */
  memoryLimit?: number;
  /**
   * Cap on the interpreter's C stack, in bytes. QuickJS measures its 5 MiB
   * emscripten stack, but the wasm frames also use the host's native stack
   * (~1 MB on Node): past that V8 aborts the wasm call and the board is dead,
   * so keep this well below it (QuickJS's own default is 1 MiB).
   */
  maxStackSize?: number;
  /** Wall-clock limit of one call into the VM (evaluating, a line, a job batch, a timer), in ms. */
  timeoutMs?: number;
  /** Sample the heap every Nth interrupt poll (QuickJS polls about every 10k operations); 0: never. */
  sampleEvery?: number;
  /** host.log: one diagnostic line (default: stderr). */
  log?: (line: string) => void;
  /** host.write: raw console text (default: stdout). */
  write?: (text: string) => void;
  /** The node key's file (made on first use): with it the board has the identity Host functions. */
  keyFile?: string;
  keyType?: KeyType;
  /**
   * Debug info kept in the code this VM compiles (targets/quickjs/strip.ts).
   * Default 'debug': stripped as a firmware's qjsc -s bytecode, so the heap
   * is a device's; 'none' keeps line numbers in stack traces.
   */
  strip?: StripLevel;
  /** The sensor host functions (a sensor node on the board): its sensors, broker and buffer. */
  sensors?: BoardSensors;
}

/** What the virtual board's sensor host functions are backed by: the same sources, mqtt.js link and buffer file as the node's. */
export interface BoardSensors {
  source: SensorSource;
  mqtt?: MqttLink;
  buffer?: ReadingBuffer;
}

/** How the board reports a broker event: magni.mqttEvent(kind, topic, payload) inside the VM. */
export type MqttEventSink = (kind: 'connected' | 'disconnected' | 'message', topic: string, payload: string) => void;

const DEFAULTS = { memoryLimit: 64 * MiB, maxStackSize: 256 * KiB, timeoutMs: 10_000, sampleEvery: 1, strip: 'debug' as StripLevel };
/** Replaying the state files may take longer than one line: each line is bounded by its own time budget. */
const LOAD_MS = 600_000;

/** The VM failed in a way the script could not handle: timeout, out of memory, stack overflow, a crash. */
export class BoardError extends Error {}

/** How the board answers an asynchronous request: magni.settle(id, error, value) inside the VM. */
export type Settle = (id: number, error: string, value: string) => void;

/** The firmware's host functions, backed by the machine running the board. */
export function nodeHostABI(opts: Pick<VmOptions, 'log' | 'write' | 'keyFile' | 'keyType' | 'sensors'> = {}, settle?: Settle, event?: MqttEventSink): QuickJSHostABI {
  // The same files, clock, randomness and fetch as the run command's Host.
  const host = nodeHost(opts.log ?? ((line) => void process.stderr.write(line + '\n')));
  const abi: QuickJSHostABI = {
    now: host.now,
    randomHex: (n) => Buffer.from(host.randomBytes(n)).toString('hex'),
    log: host.log,
    write: opts.write ?? ((text) => void process.stdout.write(text)),
    readText: host.readText,
    appendText: (path, text) => void appendText(path, text),
    readLineAt(path, offset, maxBytes) {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch {
        return null;
      }
      try {
        // read on until a newline (or maxBytes, or the end)
        const parts: Buffer[] = [];
        let bytes = 0;
        for (const chunk = Buffer.alloc(65536); bytes < maxBytes; ) {
          const n = readSync(fd, chunk, 0, Math.min(chunk.length, maxBytes - bytes), offset + bytes);
          if (!n) break;
          const nl = chunk.subarray(0, n).indexOf(10);
          if (nl >= 0) {
            parts.push(Buffer.from(chunk.subarray(0, nl)));
            return `${bytes + nl} 1 ` + Buffer.concat(parts).toString('utf8');
          }
          parts.push(Buffer.from(chunk.subarray(0, n)));
          bytes += n;
        }
        return bytes ? `${bytes} 0 ` + Buffer.concat(parts).toString('utf8') : null;
      } finally {
        closeSync(fd);
      }
    },
    fileSize: (path) => (existsSync(path) ? statSync(path).size : -1),
    // the Mimei block store's files: the run command's atomic, durable writes
    readHex: (path, maxBytes) => {
      const b = host.readBytes!(path, maxBytes);
      return b && Buffer.from(b).toString('hex');
    },
    writeHex: (path, hex) => host.writeBytes!(path, new Uint8Array(Buffer.from(hex, 'hex'))),
    listFiles: (dir) => host.listFiles!(dir).join('\n'),
    removeFile: (path) => host.removeFile!(path),
  };
  if (opts.keyFile) {
    // the node key, as a device's secure element would hold it: in a 0600 file here
    const keyFile = opts.keyFile;
    let made: NodeKey | undefined;
    const key = () => (made ||= readOrCreateNodeKey(keyFile, opts.keyType));
    const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    abi.sha256 = (h) => hex(sha256(bytes(h)));
    abi.nodePublicKey = () => key().type + ' ' + hex(key().publicKey);
    abi.sign = (h) => hex(key().sign(bytes(h)));
    abi.verify = (type, pub, data, sig) => verify(type as KeyType, bytes(pub), bytes(data), bytes(sig));
  }
  if (settle) {
    // a firmware's event loop: start the request, answer when it ends
    abi.wgetStart = (url, timeoutMs, maxBytes, id) =>
      void wget(url, { timeoutMs, maxBytes }).then((body) => settle(id, '', body), (e: Error) => settle(id, e.message || 'failed', ''));
    if (opts.sensors && event) Object.assign(abi, sensorHostABI(opts.sensors, settle, event));
  }
  return abi;
}

/** The sensor host functions of the virtual board (documented in firmware-shims/quickjs-host.ts). */
function sensorHostABI(s: BoardSensors, settle: Settle, event: MqttEventSink): Partial<QuickJSHostABI> {
  const answer = (id: number, p: Promise<unknown>) =>
    void p.then((v) => settle(id, '', v === undefined ? '' : String(v)), (e: Error) => settle(id, e?.message || String(e) || 'failed', ''));
  const abi: Partial<QuickJSHostABI> = {
    sensorList: () => JSON.stringify(s.source.list()),
    sensorReadStart: (name, id) => answer(id, s.source.read(name)),
    sensorWriteStart: (name, value, id) => answer(id, s.source.write ? s.source.write(name, value) : Promise.reject(new Error(`${name} is not an output`))),
    timerStart: (ms, id) => void setTimeout(() => settle(id, '', ''), ms),
  };
  const { mqtt, buffer } = s;
  if (mqtt) {
    abi.mqttConnect = (topic, payload) =>
      mqtt.start({ topic, payload }, {
        connected: () => event('connected', '', ''),
        disconnected: (why) => event('disconnected', '', why),
        message: (t, p) => event('message', t, p),
      });
    abi.mqttPublishStart = (topic, payload, retain, id) => answer(id, mqtt.publish(topic, payload, !!retain));
    abi.mqttSubscribe = (filter) => mqtt.subscribe([filter]);
    abi.mqttUnsubscribe = (filter) => mqtt.unsubscribe([filter]);
    abi.mqttStopStart = (topic, payload, id) => answer(id, mqtt.stop({ topic, payload }));
  }
  if (buffer) {
    abi.bufferPush = (line) => buffer.push(line);
    abi.bufferPeek = (n) => buffer.peek(n).join('\n');
    abi.bufferDrop = (n) => buffer.drop(n);
    abi.bufferCount = () => buffer.count();
  }
  return abi;
}

/** One QuickJS runtime and context with the host ABI registered, heap sampling and limits. */
export class QuickJSVm {
  /** Largest memory_used_size sampled so far, in bytes. */
  peak = 0;
  private deadline = Infinity;
  private polls = 0;
  private crashed?: string;
  /** Host requests in flight, and who waits for the next one to settle. */
  private inFlight = 0;
  private wakeUp: (() => void)[] = [];
  private log: (line: string) => void = (line) => void process.stderr.write(line + '\n');

  private constructor(
    readonly ctx: QuickJSContext,
    private readonly opts: typeof DEFAULTS,
  ) {}

  static async create(opts: VmOptions = {}, host?: QuickJSHostABI): Promise<QuickJSVm> {
    const o = { ...DEFAULTS, ...definedOnly(opts) };
    o.memoryLimit = Math.max(INITIAL_MEMORY, Math.ceil(o.memoryLimit / PAGE) * PAGE);
    const { Memory } = (globalThis as any).WebAssembly; // not in the ES2020 lib
    const wasmMemory = new Memory({ initial: INITIAL_MEMORY / PAGE, maximum: o.memoryLimit / PAGE });
    // emscripten's own messages: an abort also comes back as the exception handled in guard().
    const log = opts.log ?? ((line: string) => void process.stderr.write(line + '\n'));
    const emscriptenModule = { print: log, printErr: (line: string) => /^Aborted\(/.test(line) || log(line) };
    const quickjs = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory, emscriptenModule: emscriptenModule as {} }));
    // The module's newContext() makes this context the runtime's "system"
    // context, so computeMemoryUsage() allocates its result here instead of
    // creating a second context that would inflate every sample.
    const ctx = quickjs.newContext();
    const vm = new QuickJSVm(ctx, o);
    vm.log = log;
    const rt = ctx.runtime;
    rt.setMaxStackSize(o.maxStackSize);
    setStripInfo(ctx, wasmMemory, o.maxStackSize, o.strip);
    rt.setInterruptHandler(() => {
      if (o.sampleEvery && ++vm.polls % o.sampleEvery === 0) vm.sample();
      return Date.now() > vm.deadline;
    });
    vm.registerHost(host ?? nodeHostABI(opts, (id, error, value) => vm.answer(id, error, value), (kind, topic, payload) => vm.deliver('magni.mqttEvent', kind, topic, payload)));
    vm.sample();
    return vm;
  }

  /** A host request ended: hand its outcome to the script (magni.settle), run what it unblocked, wake waiters. */
  answer(id: number, error: string, value: string): void {
    this.inFlight--;
    try {
      if (!this.crashed && this.ctx.alive) { // a late answer (a timer) after dispose() finds nobody to tell
        this.call('magni.settle', id, error, value);
        this.runJobs();
      }
    } finally {
      const wake = this.wakeUp;
      this.wakeUp = [];
      for (const w of wake) w();
    }
  }

  /** An event from the world (the broker): hand it to the script, then run what it started. A crash of the script is logged, never thrown at the event's source. */
  deliver(path: string, ...args: string[]): void {
    if (this.crashed || !this.ctx.alive) return;
    try {
      this.call(path, ...args);
      this.runJobs();
    } catch (e) {
      this.log(`board: ${path}: ${(e as Error).message}`);
    }
  }

  private registerHost(host: QuickJSHostABI): void {
    const { ctx } = this;
    const obj = ctx.newObject();
    for (const [name, fn] of Object.entries(host) as [string, (...a: unknown[]) => unknown][]) {
      if (typeof fn !== 'function') continue;
      const f = ctx.newFunction(name, (...args) => {
        this.sample();
        if (name.endsWith('Start')) this.inFlight++; // an asynchronous request: settle() ends it
        const r = fn(...args.map((a) => ctx.dump(a)));
        return r === undefined ? undefined : r === null ? ctx.null : typeof r === 'number' ? ctx.newNumber(r) : ctx.newString(String(r));
      });
      ctx.setProp(obj, name, f);
      f.dispose();
    }
    ctx.setProp(ctx.global, '__magni_host', obj);
    obj.dispose();
  }

  /** QuickJS heap now (computeMemoryUsage().memory_used_size), folded into peak. */
  sample(): number {
    const { ctx } = this;
    if (this.crashed) return 0;
    let used = 0;
    try {
      const usage = ctx.runtime.computeMemoryUsage();
      used = ctx.getProp(usage, 'memory_used_size').consume((h) => ctx.getNumber(h));
      usage.dispose();
    } catch {
      return 0; // at the memory limit even the report cannot be allocated; the script sees the OOM
    }
    if (used > this.peak) this.peak = used;
    return used;
  }

  /** Evaluate a classic script; returns its completion value (dumped to a Node value). */
  evalScript(code: string, filename = 'script.js'): unknown {
    return this.guard(() => this.ctx.evalCode(code, filename, { type: 'global' }));
  }

  /** Call a global function by dotted path (e.g. 'magni.evalLine') with primitive arguments. */
  call(path: string, ...args: (string | number | boolean)[]): unknown {
    return this.callWith(path, args, (h) => h && this.ctx.dump(h));
  }

  /** The same with a time limit of its own (replaying a large state: each line has its budget inside). */
  callWithin(timeoutMs: number, path: string, ...args: (string | number | boolean)[]): unknown {
    const usual = this.opts.timeoutMs;
    this.opts.timeoutMs = timeoutMs;
    try {
      return this.call(path, ...args);
    } finally {
      this.opts.timeoutMs = usual;
    }
  }

  /**
   * The same for a function that may return a promise: its value once it
   * settles, running the script's jobs as the host's requests end.
   */
  async callAsync(path: string, ...args: (string | number | boolean)[]): Promise<unknown> {
    const { ctx } = this;
    const h = this.callWith(path, args, (v) => v?.dup()) as QuickJSHandle | undefined;
    if (!h) return undefined;
    try {
      for (;;) {
        this.runJobs();
        const state = ctx.getPromiseState(h);
        if (state.type === 'fulfilled') return state.notAPromise ? ctx.dump(h) : state.value.consume((v) => ctx.dump(v));
        if (state.type === 'rejected') throw new BoardError(this.describe(state.error, false));
        if (this.crashed) throw new BoardError('board is dead after an earlier crash: ' + this.crashed);
        if (!this.inFlight) throw new BoardError(path + ' waits for a promise that no host request will settle');
        await new Promise<void>((wake) => this.wakeUp.push(wake));
      }
    } finally {
      if (h.alive) h.dispose();
    }
  }

  private callWith(path: string, args: (string | number | boolean)[], take: (h: QuickJSHandle | undefined) => unknown): unknown {
    const { ctx } = this;
    const keys = path.split('.');
    const fnName = keys.pop()!;
    let self: QuickJSHandle = ctx.global.dup();
    try {
      for (const k of keys) {
        const next = ctx.getProp(self, k);
        self.dispose();
        self = next;
      }
      const fn = ctx.getProp(self, fnName);
      try {
        if (ctx.typeof(fn) !== 'function') throw new BoardError(path + ' is not a function');
        const owned: QuickJSHandle[] = [];
        const handles = args.map((a) =>
          typeof a === 'boolean' ? (a ? ctx.true : ctx.false) : owned[owned.push(typeof a === 'string' ? ctx.newString(a) : ctx.newNumber(a)) - 1],
        );
        try {
          return this.guard(() => ctx.callFunction(fn, self, handles), take);
        } finally {
          for (const h of owned) h.dispose();
        }
      } finally {
        fn.dispose();
      }
    } finally {
      self.dispose();
    }
  }

  /** Whether a global of that name is a function (used for the timer protocol). */
  hasFunction(name: string): boolean {
    return this.ctx.getProp(this.ctx.global, name).consume((h) => this.ctx.typeof(h) === 'function');
  }

  /** Run pending promise jobs until none is left. */
  runJobs(): void {
    const rt = this.ctx.runtime;
    while (rt.hasPendingJob()) {
      this.guard(() => {
        const r = rt.executePendingJobs(-1);
        return r.error ? { error: r.error } : {};
      });
    }
  }

  /**
   * Run the script to quiescence: promise jobs, then emulated timers. The
   * script's own setTimeout shim keeps the queue; the board drives it through
   * `__board_nextTimer()` (ms until the earliest timer is due, -1 when none)
   * and `__board_runTimer()` (run the earliest), sleeping for real in between.
   */
  async settle(): Promise<void> {
    for (;;) {
      this.runJobs();
      if (!this.hasFunction('__board_nextTimer')) return;
      const wait = this.call('__board_nextTimer') as number;
      if (wait < 0) return;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.call('__board_runTimer');
    }
  }

  /** Run fn under the deadline; turn a QuickJS exception or a wasm crash into a BoardError. take: what to keep of the value (default: dumped). */
  private guard(fn: () => { value?: QuickJSHandle; error?: QuickJSHandle }, take = (h: QuickJSHandle | undefined) => h && this.ctx.dump(h)): unknown {
    if (this.crashed) throw new BoardError('board is dead after an earlier crash: ' + this.crashed);
    const deadline = (this.deadline = Date.now() + this.opts.timeoutMs);
    let r: { value?: QuickJSHandle; error?: QuickJSHandle };
    try {
      r = fn();
    } catch (e) {
      if (e instanceof BoardError) throw e;
      this.crashed = 'QuickJS crashed: ' + ((e as Error)?.message ?? String(e));
      throw new BoardError(this.crashed);
    } finally {
      this.deadline = Infinity;
    }
    if (r.error) throw new BoardError(this.describe(r.error, Date.now() > deadline));
    const h = r.value;
    try {
      return take(h);
    } finally {
      if (h?.alive) h.dispose(); // dump() may already have consumed it (a promise)
    }
  }

  private describe(err: QuickJSHandle, pastDeadline: boolean): string {
    let e: any;
    try {
      e = err.consume((h) => this.ctx.dump(h));
    } catch {
      e = { message: 'out of memory' };
    }
    const msg = e && typeof e === 'object' ? String(e.message ?? JSON.stringify(e)) : String(e);
    const { memoryLimit, maxStackSize, timeoutMs } = this.opts;
    if (pastDeadline && msg === 'interrupted') return `timed out: a call into QuickJS ran longer than ${timeoutMs} ms`;
    if (/out of memory/i.test(msg) || e === null) return `out of memory: the board's memory is capped at ${memoryLimit / MiB} MiB`;
    if (/stack overflow|call stack/i.test(msg)) return `stack overflow: QuickJS stack limit is ${maxStackSize / KiB} KiB`;
    const stack = e && typeof e === 'object' && typeof e.stack === 'string' ? '\n' + e.stack.trimEnd() : '';
    return (e?.name ? e.name + ': ' : '') + msg + stack;
  }

  dispose(): void {
    // A runtime left mid-call by a crash cannot be freed: leave it to the
    // garbage collector with its wasm instance, which no other VM shares.
    if (!this.ctx.alive || this.crashed) return;
    try {
      this.ctx.dispose(); // also disposes its runtime
    } catch {
      // QuickJS 2025-09-13 leaks objects when a GC runs inside a promise job
      // (reproduced without Magni) and then aborts on its leak assertion in
      // JS_FreeRuntime. Harmless here: the instance is dropped all the same.
    }
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface BoardOptions extends VmOptions {
  stateFiles: string[];
  maxSteps?: number;
  maxOutput?: number;
  /** Milliseconds per line (the evaluation's own time budget; default 10,000). */
  maxTime?: number;
  /** The state files are another process's: read them, never write. */
  readOnly?: boolean;
  quiet?: boolean;
  /** Default: dist/board.js (npm run build) next to this file's repo; pass it when this file is bundled elsewhere. */
  bundlePath?: string;
}

export type BoardLineResult = LineResult & { trace: string[] };

/** A Magni node on the virtual board: dist/board.js loaded, state replayed. */
export class Board {
  private loadHeap = 0;
  private constructor(private readonly vm: QuickJSVm) {}

  static async create(opts: BoardOptions): Promise<Board> {
    const { stateFiles, maxSteps, maxOutput, maxTime, quiet, readOnly, bundlePath = fileURLToPath(new URL('../../dist/board.js', import.meta.url)), ...vmOpts } = opts;
    let code: string;
    try {
      code = readFileSync(bundlePath, 'utf8');
    } catch {
      throw new Error(`cannot read the board bundle ${bundlePath}: run npm run build`);
    }
    const vm = await QuickJSVm.create(vmOpts);
    try {
      vm.evalScript(code, 'board.js');
      vm.callWithin(LOAD_MS, 'magni.load', JSON.stringify({ stateFiles, maxSteps, maxOutput, maxTime, quiet, readOnly }));
      vm.runJobs();
    } catch (e) {
      vm.dispose();
      throw e;
    }
    const board = new Board(vm);
    board.loadHeap = vm.sample();
    return board;
  }

  /** One line through the node, waiting for its I/O. Failures of the VM itself come back as an %(ERROR:...) result. */
  async evalLine(line: string, trace: boolean): Promise<BoardLineResult> {
    let r: BoardLineResult;
    try {
      r = JSON.parse((await this.vm.callAsync('magni.evalLine', line, trace)) as string);
    } catch (e) {
      if (!(e instanceof BoardError)) throw e;
      r = { output: '%(ERROR:' + e.message + ')', errors: [e.message], warnings: [], steps: 0, passes: 0, trace: [] };
    }
    this.vm.sample();
    return r;
  }

  /**
   * Run the sensor node on the board: dist/board-sensors.js evaluated after
   * the core, started with config (nodeId, topic, teleperiodMs, discovery,
   * mqttCaps, version). Needs the board created with `sensors`.
   */
  startSensors(config: Record<string, unknown>, bundlePath = fileURLToPath(new URL('../../dist/board-sensors.js', import.meta.url))): void {
    let code: string;
    try {
      code = readFileSync(bundlePath, 'utf8');
    } catch {
      throw new Error(`cannot read the sensor bundle ${bundlePath}: run npm run build`);
    }
    this.vm.evalScript(code, 'board-sensors.js');
    this.vm.call('magni.sensors.start', JSON.stringify(config));
    this.vm.runJobs();
    this.vm.sample();
  }

  /** Offline, retained, and a clean disconnect. */
  async stopSensors(): Promise<void> {
    await this.vm.callAsync('magni.sensors.stop');
  }

  /** The sensor node's tele/NAME/SENSOR JSON of a fresh reading. */
  async sensorPayload(): Promise<string> {
    return (await this.vm.callAsync('magni.sensors.payload')) as string;
  }

  /** Call a function the bundle offers the firmware (e.g. 'magni.mimei.add'), as a firmware does, then run what it started. */
  call(path: string, ...args: (string | number | boolean)[]): unknown {
    const r = this.vm.call(path, ...args);
    this.vm.runJobs();
    this.vm.sample();
    return r;
  }

  /** QuickJS heap in bytes: right after load, and the largest sample since the board was created. */
  heap(): { load: number; peak: number } {
    return { load: this.loadHeap, peak: this.vm.peak };
  }

  dispose(): void {
    this.vm.dispose();
  }
}

export interface RunScriptResult {
  /** The value of the `result` expression once the script settled or failed (undefined without one). */
  value: unknown;
  /** Set when the script threw, timed out, ran out of memory or crashed. */
  error?: string;
  heap: { peak: number };
}

/**
 * Run a classic script (e.g. a bundled test suite) on a fresh board until it
 * settles, then evaluate `result` (a JS expression) to read what it left,
 * also after a failure, so partial results survive.
 */
export async function runScript(code: string, opts: VmOptions & { filename?: string; result?: string } = {}): Promise<RunScriptResult> {
  const { filename, result, ...vmOpts } = opts;
  const vm = await QuickJSVm.create(vmOpts);
  const read = () => (result ? vm.evalScript(result, 'result.js') : undefined);
  try {
    vm.evalScript(code, filename);
    await vm.settle();
    return { value: read(), heap: { peak: vm.peak } };
  } catch (e) {
    if (!(e instanceof BoardError)) throw e;
    let value: unknown;
    try {
      value = read();
    } catch {}
    return { value, error: e.message, heap: { peak: vm.peak } };
  } finally {
    vm.dispose();
  }
}
