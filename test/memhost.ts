// An in-memory Host for portable tests: files in a Map, a fixed clock (tick()
// moves it), deterministic random bytes, and the diagnostic lines collected.
import { type Host, linesOfText, textAt, withLine } from '../runtime/index.ts';
import { utf8Length } from '../jml/utf8.ts';

export interface MemHost extends Host {
  files: Map<string, string>;
  logs: string[];
  tick(ms: number): void;
}

export function memHost(files: Map<string, string> = new Map(), now = Date.UTC(2026, 10, 21, 12, 0, 0)): MemHost {
  let seed = 1;
  let t = now;
  const logs: string[] = [];
  return {
    files,
    logs,
    tick: (ms) => void (t += ms),
    now: () => t,
    randomBytes(n) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        b[i] = seed >>> 24;
      }
      return b;
    },
    log: (line) => void logs.push(line),
    readText: (path) => (files.has(path) ? (files.get(path) as string) : null),
    readLines: (path) => linesOfText(files.get(path) ?? null),
    readAt: (path, offset, length) => textAt(files.get(path) ?? null, offset, length),
    appendLine(path, line) {
      const before = files.get(path) ?? null;
      const after = withLine(before, line);
      files.set(path, after);
      return utf8Length(after) - utf8Length(line) - 1;
    },
  };
}
