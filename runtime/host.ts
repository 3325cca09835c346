import type { JmlHost } from '../jml/host.ts';

// The Host: the only door from the pure core to the outside world. Node and
// Bun implement it with node:fs; the QuickJS board with functions the
// firmware (or the virtual board) registers.

/** One line of a file, as readLines gives it. */
export interface FileLine {
  text: string;
  /** Where the line starts, in bytes from the start of the file. */
  offset: number;
  /** Its length in bytes (UTF-8), newline excluded. */
  bytes: number;
  /** False for a last line without its newline (a write cut short). */
  complete: boolean;
}

export interface Host extends JmlHost {
  /** Write one whole line (no trailing newline) to the diagnostic stream (stderr). */
  log(line: string): void;
  /** The whole text of a small file (a key), or null when it does not exist. */
  readText(path: string): string | null;
  /** The lines of a file, one at a time (never the whole file as one string); none when it does not exist. */
  readLines(path: string): Iterable<FileLine>;
  /** The text of length bytes of a file from offset (a line readLines found). */
  readAt(path: string, offset: number, length: number): string;
  /**
   * Append one line and its newline to a file (creating it), all or nothing,
   * durably: on disk when this returns (the file's directory too when it was
   * created). If the file does not end with a newline (a fragment a crash
   * left), one is written first, so the line starts on a fresh line. On any
   * failure the file is as it was and this throws with a clear message.
   * Returns the line's offset in the file, in bytes.
   */
  appendLine(path: string, line: string): number;
}
