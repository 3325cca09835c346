// Evaluated right after uvu in a QuickJS test bundle (see quickjs-pre.mjs):
// the console the suites see, one line per call.
const host = globalThis.__magni_host;
const show = (a) => {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return a.stack ? `${a.name}: ${a.message}\n${a.stack}` : String(a);
  try {
    return JSON.stringify(a) ?? String(a);
  } catch {
    return String(a);
  }
};
const out = (...a) => host.write(a.map(show).join(' ') + '\n');
const err = (...a) => host.log(a.map(show).join(' '));
globalThis.console = { log: out, info: out, debug: out, warn: err, error: err, trace: err };
