// The state log: every definition is appended as one replayable line and the
// files are replayed at start (D16), a line at a time. A line without its
// newline was cut short by a crash: it is reported and skipped, and the Host
// starts the next append on a fresh line so it cannot glue onto the fragment.
import type { FileLine, Host } from './host.ts';

export interface StateLine extends FileLine {
  file: string;
  /** 1-based line number. */
  line: number;
}

/** The lines of a state file, streamed; none when it does not exist. A CR before the newline is dropped. */
export function* readStateLines(host: Host, file: string): Generator<StateLine> {
  let n = 0;
  for (const l of host.readLines(file)) {
    n++;
    yield { ...l, text: l.text.endsWith('\r') ? l.text.slice(0, -1) : l.text, file, line: n };
  }
}
