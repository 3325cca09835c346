// First module of every QuickJS test bundle, evaluated before uvu: what uvu
// and the suites expect that bare QuickJS lacks. Test-only: the core's own
// polyfills are targets/quickjs/polyfills.ts. No `process` is faked, so a
// suite cannot mistake the board for Node.
import kleur from 'kleur';
import { deferUvu } from './run-queue.mjs';

const g = globalThis;
const host = g.__magni_host;

// Without `process`, uvu takes console.log as its writer when it loads; let
// that be the raw console (no newline added). quickjs-post.mjs then installs
// the console suites see.
g.console = { log: (text) => host.write(String(text)) };
kleur.enabled = !!g.__board_color; // set by the runner: the terminal's colour, as on Node
deferUvu();
g.__board_stray = 0;

// Timers: a queue here, driven by the board (QuickJSVm.settle) through
// __board_nextTimer / __board_runTimer, with real waits in between.
if (typeof g.setTimeout !== 'function') {
  const timers = [];
  let seq = 0;
  const add = (fn, ms, args, every) => {
    timers.push({ id: ++seq, at: Date.now() + (Number(ms) || 0), fn, args, every });
    return seq;
  };
  g.setTimeout = (fn, ms, ...args) => add(fn, ms, args, 0);
  g.setInterval = (fn, ms, ...args) => add(fn, ms, args, Math.max(1, Number(ms) || 0));
  g.clearTimeout = g.clearInterval = (id) => {
    const i = timers.findIndex((t) => t.id === id);
    if (i >= 0) timers.splice(i, 1);
  };
  const earliest = () => timers.reduce((a, t) => (t.at < a.at ? t : a), timers[0]);
  g.__board_nextTimer = () => (timers.length ? Math.max(0, earliest().at - Date.now()) : -1);
  g.__board_runTimer = () => {
    const t = earliest();
    if (!t) return;
    if (t.every) t.at += t.every;
    else timers.splice(timers.indexOf(t), 1);
    try {
      if (typeof t.fn === 'function') t.fn(...t.args);
    } catch (e) {
      // thrown outside any test: fails the file, as on Node and Bun
      g.__board_stray++;
      host.write(`\n  FAIL  uncaught outside a test: ${(e && e.stack) || e}\n`);
    }
  };
}
