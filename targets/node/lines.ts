// The lines of stdin for the batch mode (stdin is not a terminal). Read with
// readSync: it starts faster than a stream (no stream machinery to load), and
// a batch has nothing else to do while it waits for input. A non-blocking
// stdin (EAGAIN) is read as a stream from there on. Lines end at \n, \r\n or
// a lone \r, as readline ends them.
import { readSync } from 'node:fs';

/** Splits text chunks into lines; a \r at the end of a chunk waits to see whether \n follows. */
class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder();

  *push(bytes: Uint8Array | null): Generator<string> {
    this.rest += bytes ? this.decoder.decode(bytes, { stream: true }) : this.decoder.decode();
    const end = !bytes;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.rest);
      if (!m || (m[0] === '\r' && m.index === this.rest.length - 1 && !end)) break;
      yield this.rest.slice(0, m.index);
      this.rest = this.rest.slice(m.index + m[0].length);
    }
    if (end && this.rest) {
      yield this.rest;
      this.rest = '';
    }
  }
}

export async function* stdinLines(): AsyncGenerator<string> {
  const lines = new LineSplitter();
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      for await (const chunk of process.stdin) yield* lines.push(chunk as Uint8Array);
      break;
    }
    if (n === 0) break;
    yield* lines.push(buf.subarray(0, n));
  }
  yield* lines.push(null);
}
