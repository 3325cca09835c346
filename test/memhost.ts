// An in-memory Host for portable tests: files in a Map, a fixed clock (tick()
// moves it), deterministic random bytes, and the diagnostic lines collected.
import type { Host } from '../runtime/index.ts';
import { linesOfText, textAt, withLine } from '../runtime/lines.ts';
import { utf8Length } from '../jml/utf8.ts';

export interface MemHost extends Host {
  files: Map<string, string>;
  /** Binary files (the block store's), by path. */
  bins: Map<string, Uint8Array>;
  logs: string[];
  tick(ms: number): void;
}

export function memHost(files: Map<string, string> = new Map(), now = Date.UTC(2026, 10, 21, 12, 0, 0)): MemHost {
  let seed = 1;
  let t = now;
  const logs: string[] = [];
  const bins = new Map<string, Uint8Array>();
  return {
    files,
    bins,
    readBytes(path, max) {
      const b = bins.get(path);
      if (b && b.length > max) throw new Error(`${path} is larger than ${max} bytes`);
      return b ? b.slice() : null;
    },
    writeBytes: (path, bytes) => void bins.set(path, bytes.slice()),
    listFiles: (dir) => [...bins.keys()].filter((p) => p.startsWith(dir + '/')).map((p) => p.slice(dir.length + 1)),
    removeFile: (path) => void bins.delete(path),
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
