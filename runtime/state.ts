// The state log: every definition is appended as one replayable line and the
// files are replayed at start (D16). A line without its newline was cut short
// by a crash: it is reported and skipped, and the next append starts on a
// fresh line so it cannot glue onto the fragment.
import type { Host } from './host.ts';

export interface StateLine {
  file: string;
  /** 1-based line number. */
  line: number;
  text: string;
  /** False for a final line that lacks its newline (a write cut short). */
  complete: boolean;
}

/** The lines of a state file; none when it does not exist. */
export function readStateLines(host: Host, file: string): StateLine[] {
  const text = host.readText(file);
  if (text === null || text === '') return [];
  const parts = text.split('\n');
  const last = parts.pop() as string;
  const lines = parts.map((t, i) => ({ file, line: i + 1, text: t.replace(/\r$/, ''), complete: true }));
  if (last !== '') lines.push({ file, line: parts.length + 1, text: last, complete: false });
  return lines;
}

/** Append one line durably, first ending a fragment a crash may have left. */
export function appendStateLine(host: Host, file: string, line: string): void {
  const text = host.readText(file);
  host.appendText(file, (text && !text.endsWith('\n') ? '\n' : '') + line + '\n');
}
