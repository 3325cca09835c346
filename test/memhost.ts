// An in-memory Host for portable tests: files in a Map, a fixed clock,
// deterministic random bytes, and the diagnostic lines collected.
import type { Host } from '../runtime/index.ts';

export interface MemHost extends Host {
  files: Map<string, string>;
  logs: string[];
}

export function memHost(files: Map<string, string> = new Map(), now = Date.UTC(2026, 10, 21, 12, 0, 0)): MemHost {
  let seed = 1;
  const logs: string[] = [];
  return {
    files,
    logs,
    now: () => now,
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
    appendText: (path, text) => void files.set(path, (files.get(path) || '') + text),
  };
}
