// What qjsc does to a firmware's JavaScript: compile it without debug info.
// A firmware does not ship source text; it compiles the bundle with qjsc to
// bytecode in flash and loads that (JS_ReadObject). qjsc strips the source of
// every function by default (JS_STRIP_SOURCE; QuickJS otherwise keeps a copy
// of each function's text, nested functions again, for toString) and with -s
// also the line tables and local names (JS_STRIP_DEBUG). Both are set by
// JS_SetStripInfo(rt, flags) before compiling; stripped bytecode compiled
// from source is the bytecode a firmware loads, so the heap after load is the
// same. The bytecode itself stays on the heap, as with js_std_eval_binary.
//
// quickjs-emscripten 0.32 exports neither JS_SetStripInfo nor a way to run
// bytecode (its `strip` eval option sets JS_EVAL_FLAG_STRIP, a no-op since
// QuickJS 2024; compileOnly gives a value no exported call evaluates). So
// this does what JS_SetStripInfo does, `rt->strip_flags = flags`, in the
// wasm memory, after checking the JSRuntime layout around that byte, and
// checks the effect; any mismatch is an error, never a silent full heap.
import type { QuickJSContext } from 'quickjs-emscripten';

/** none: keep everything; source: qjsc's default; debug: qjsc -s (no source, no line tables, no local names). */
export type StripLevel = 'none' | 'source' | 'debug';

const FLAGS: Record<StripLevel, number> = { none: 0, source: 1 /* JS_STRIP_SOURCE */, debug: 2 /* JS_STRIP_DEBUG */ };

// struct JSRuntime of bellard/quickjs 2025-09-13 on wasm32 (NaN-boxed 8-byte
// JSValue): byte offsets of the fields the check reads and the one it writes.
const STACK_SIZE = 120; // uintptr_t stack_size, as set by JS_SetMaxStackSize
const STRIP_FLAGS = 228; // uint8_t strip_flags
const SHAPE_HASH_BITS = 232; // int shape_hash_bits, then int shape_hash_size = 1 << bits

/**
 * JS_SetStripInfo for code compiled from now on in ctx's runtime. memory is
 * the module's wasm memory; stackSize what was last passed to setMaxStackSize
 * (a known value the layout check reads back).
 */
export function setStripInfo(ctx: QuickJSContext, memory: { buffer: ArrayBuffer }, stackSize: number, level: StripLevel): void {
  const rt = (ctx.runtime as unknown as { rt: { value: number } }).rt.value;
  const view = new DataView(memory.buffer);
  const int = (offset: number) => view.getInt32(rt + offset, true);
  const bits = int(SHAPE_HASH_BITS);
  const laidOut = int(STACK_SIZE) === stackSize && bits > 0 && bits < 31 && int(SHAPE_HASH_BITS + 4) === 1 << bits && view.getUint8(rt + STRIP_FLAGS) <= 3;
  if (!laidOut) throw new Error('strip: the QuickJS runtime is not laid out as in quickjs-emscripten 0.32 (QuickJS 2025-09-13); update targets/quickjs/strip.ts');
  view.setUint8(rt + STRIP_FLAGS, FLAGS[level]);
  // the effect: toString has a function's source only when it is kept; an error's stack has line numbers only with debug info
  const probe = ctx.evalCode('[(()=>0).toString(), (()=>new Error().stack)()]', 'strip-probe.js');
  const [text, stack] = ctx.unwrapResult(probe).consume((h) => ctx.dump(h)) as [string, string];
  if ((text === '()=>0') !== (level === 'none') || stack.includes('strip-probe.js:') !== (level !== 'debug'))
    throw new Error(`strip: setting ${level} had no effect (toString gave ${JSON.stringify(text)}); update targets/quickjs/strip.ts`);
}
