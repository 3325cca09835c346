// Lines of a file from its bytes, for hosts that read a file in chunks (Node)
// or hold it as text (the board's first ABI, tests): the same FileLine
// records a streaming host gives, split at \n with byte offsets. Not in the
// core: the hosts import it.
import type { FileLine } from './host.ts';
import { utf8Decode, utf8Encode, utf8Length } from '../jml/utf8.ts';
import { concatAll } from './identity/bytes.ts';

/**
 * The lines of a file read chunk by chunk: read(offset, length) gives up to
 * length bytes from offset (fewer at the end, none past it), valid until the
 * next call.
 */
export function* linesOfChunks(read: (offset: number, length: number) => Uint8Array, chunk = 4096): Generator<FileLine> {
  let pending: Uint8Array[] = []; // the bytes of the line so far
  let pendingBytes = 0;
  let start = 0; // file offset of the line
  for (let at = 0; ; ) {
    const b = read(at, chunk);
    if (!b.length) break;
    let from = 0;
    for (let nl = b.indexOf(10); nl >= 0; nl = b.indexOf(10, from)) {
      const bytes = pendingBytes + nl - from;
      const text = utf8Decode(pending.length ? concatAll([...pending, b.subarray(from, nl)]) : b.subarray(from, nl));
      yield { text, offset: start, bytes, complete: true };
      start += bytes + 1;
      pending = [];
      pendingBytes = 0;
      from = nl + 1;
    }
    if (from < b.length) {
      // a copy: read() may hand over a view of a buffer it reuses (and a Node Buffer's slice() is a view too)
      pending.push(new Uint8Array(b.subarray(from)));
      pendingBytes += b.length - from;
    }
    at += b.length;
  }
  if (pendingBytes) yield { text: utf8Decode(concatAll(pending)), offset: start, bytes: pendingBytes, complete: false };
}

/** The lines of a file held as text. */
export function* linesOfText(text: string | null): Generator<FileLine> {
  if (!text) return;
  let offset = 0;
  let from = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
    const line = text.slice(from, nl);
    const bytes = utf8Length(line);
    yield { text: line, offset, bytes, complete: true };
    offset += bytes + 1;
    from = nl + 1;
  }
  if (from < text.length) yield { text: text.slice(from), offset, bytes: utf8Length(text.slice(from)), complete: false };
}

/** length bytes from offset of a file held as text, as text. */
export function textAt(text: string | null, offset: number, length: number): string {
  return text ? utf8Decode(utf8Encode(text).subarray(offset, offset + length)) : '';
}

/** A file held as text with line appended: after a newline of its own if a fragment ends it. */
export function withLine(text: string | null, line: string): string {
  return (text || '') + (text && !text.endsWith('\n') ? '\n' : '') + line + '\n';
}
