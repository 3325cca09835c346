import type { JmlHost } from '../jml/host.ts';

// The Host: the only door from the pure core to the outside world. Node and
// Bun implement it with node:fs; the QuickJS board with functions the
// firmware (or the virtual board) registers.
export interface Host extends JmlHost {
  /** Write one whole line (no trailing newline) to the diagnostic stream (stderr). */
  log(line: string): void;
  /** The whole text of a file, or null when it does not exist. */
  readText(path: string): string | null;
  /** Append text to a file (creating it), durably: it is on disk when this returns. */
  appendText(path: string, text: string): void;
}
