// The reading buffer on disk: readings wait here, oldest first, until the
// broker has acknowledged them, across outages and restarts. One file:
//
//   magni-buffer 1 0000000000000032\n     a fixed-width header: where the first unsent line starts
//   {"Time":"...",...}\n                  one reading per line, appended (and fsynced) as taken
//
// A reading leaves when the broker acknowledged it: the header moves past it
// (rewritten in place and fsynced). When every line is sent the file is cut
// back to its header; when the sent lines at its front make it too big, the
// unsent ones are copied to a new file that replaces it (rename). Bounded:
// when the unsent readings would outgrow maxBytes, the oldest are dropped,
// and the log says how many.
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import type { ReadingBuffer } from '../runtime/sensors/io.ts';
import { syncDir } from '../targets/node/host.ts';

const MAGIC = 'magni-buffer 1 ';
const HEADER = MAGIC.length + 16 + 1;
const header = (head: number): Buffer => Buffer.from(MAGIC + String(head).padStart(16, '0') + '\n');

export class FileBuffer implements ReadingBuffer {
  private fd = -1;
  /** The unsent lines: where each starts, and its bytes (newline excluded). */
  private lines: { at: number; bytes: number }[] = [];
  private size = HEADER;

  constructor(
    readonly path: string,
    readonly maxBytes: number,
    private readonly log: (line: string) => void,
  ) {
    if (maxBytes < 4096) throw new Error('the reading buffer needs at least 4096 bytes');
    this.open();
  }

  private open(): void {
    this.fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT, 0o600);
    this.size = fstatSync(this.fd).size;
    if (this.size === 0) {
      this.write(header(HEADER), 0);
      fsyncSync(this.fd);
      syncDir(this.path);
      this.size = HEADER;
      return;
    }
    const h = Buffer.alloc(HEADER);
    readSync(this.fd, h, 0, HEADER, 0);
    const m = /^magni-buffer 1 (\d{16})\n$/.exec(h.toString('latin1'));
    if (!m || +m[1] < HEADER) {
      // not our file (or damaged beyond use): kept aside, never overwritten
      closeSync(this.fd);
      const aside = `${this.path}.bad-${Date.now()}`;
      renameSync(this.path, aside);
      this.log(`mqtt: ${this.path} is not a reading buffer; moved to ${aside}, starting an empty one`);
      return this.open();
    }
    let head = +m[1];
    if (head > this.size) head = HEADER; // cut back to its header, and the header not yet rewritten: all sent
    this.scan(head);
  }

  /** Index the lines from head; a last line without its newline (a crash mid-append) is cut off. */
  private scan(head: number): void {
    this.lines = [];
    const buf = Buffer.alloc(1 << 16);
    let start = head;
    for (let at = head; at < this.size; ) {
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, this.size - at), at);
      if (!n) break;
      for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) {
        const end = at + i;
        if (end > start) this.lines.push({ at: start, bytes: end - start });
        start = end + 1;
      }
      at += n;
    }
    if (start < this.size) {
      this.log(`mqtt: ${this.path}: a reading cut short by a crash (${this.size - start} bytes) dropped`);
      ftruncateSync(this.fd, start);
      this.size = start;
    }
    if (!this.lines.length && this.size > HEADER) this.empty();
    else this.setHead(this.lines.length ? this.lines[0].at : HEADER);
  }

  private write(b: Buffer, at: number): void {
    for (let done = 0; done < b.length; ) done += writeSync(this.fd, b, done, b.length - done, at + done);
  }

  private setHead(head: number): void {
    this.write(header(head), 0);
    fsyncSync(this.fd);
  }

  /** Every line sent: the file is its header again. */
  private empty(): void {
    ftruncateSync(this.fd, HEADER);
    this.size = HEADER;
    this.lines = [];
    this.setHead(HEADER);
  }

  private unsentBytes(): number {
    return this.lines.length ? this.size - this.lines[0].at : 0;
  }

  push(line: string): void {
    const data = Buffer.from(line + '\n');
    if (line.includes('\n')) throw new Error('a reading is one line');
    if (data.length > this.maxBytes - HEADER) throw new Error(`a reading of ${data.length} bytes does not fit the buffer (${this.maxBytes} bytes)`);
    let dropped = 0;
    while (this.lines.length && this.unsentBytes() + data.length > this.maxBytes - HEADER) {
      this.lines.shift();
      dropped++;
    }
    if (dropped) {
      this.log(`mqtt: the reading buffer is full (${this.maxBytes} bytes): the ${dropped} oldest reading(s) dropped`);
      if (this.lines.length) this.setHead(this.lines[0].at);
      else this.empty();
    }
    if (this.size + data.length > this.maxBytes) this.compact();
    const at = this.size;
    try {
      this.write(data, at);
      fsyncSync(this.fd);
    } catch (e) {
      try {
        ftruncateSync(this.fd, at);
      } catch {}
      throw new Error(`cannot write ${this.path}: ${(e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (e as Error).message}`);
    }
    this.size += data.length;
    this.lines.push({ at, bytes: data.length - 1 });
  }

  peek(n: number): string[] {
    const first = this.lines.slice(0, Math.max(0, n));
    if (!first.length) return [];
    const last = first[first.length - 1];
    const from = first[0].at;
    const buf = Buffer.alloc(last.at + last.bytes - from);
    for (let done = 0; done < buf.length; ) {
      const r = readSync(this.fd, buf, done, buf.length - done, from + done);
      if (!r) throw new Error(`${this.path} is shorter than it should be`);
      done += r;
    }
    return first.map((l) => buf.toString('utf8', l.at - from, l.at - from + l.bytes));
  }

  drop(n: number): void {
    const k = Math.min(Math.max(0, n), this.lines.length);
    if (!k) return;
    this.lines.splice(0, k);
    if (this.lines.length) this.setHead(this.lines[0].at);
    else this.empty();
  }

  count(): number {
    return this.lines.length;
  }

  /** The unsent lines into a fresh file that replaces this one (atomically: write, fsync, rename). */
  private compact(): void {
    const from = this.lines.length ? this.lines[0].at : this.size;
    const tmp = `${this.path}.${process.pid}.tmp`;
    const out = openSync(tmp, 'w', 0o600);
    try {
      const head = header(HEADER);
      for (let done = 0; done < head.length; ) done += writeSync(out, head, done);
      const buf = Buffer.alloc(1 << 16);
      for (let at = from; at < this.size; ) {
        const r = readSync(this.fd, buf, 0, Math.min(buf.length, this.size - at), at);
        if (!r) break;
        for (let done = 0; done < r; ) done += writeSync(out, buf, done, r - done);
        at += r;
      }
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(tmp, this.path);
    syncDir(this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, constants.O_RDWR);
    const shift = from - HEADER;
    for (const l of this.lines) l.at -= shift;
    this.size -= shift;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
