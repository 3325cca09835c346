// Unsigned LEB128 varints as multiformats uses them (7 bits a byte, low
// group first, high bit set on every byte but the last). Limited to
// 2^53 - 1, the integers a JS number holds exactly; the spec's own limit
// (9 bytes, 63 bits) is beyond what any code or length here needs.

const varintError = (why: string) => new Error('varint: ' + why);

export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw varintError(`${n} is not an integer from 0 to 2^53 - 1`);
  const out: number[] = [];
  for (; n > 127; n = Math.floor(n / 128)) out.push((n % 128) | 128); // arithmetic, not bit ops: n may pass 2^31
  out.push(n);
  return new Uint8Array(out);
}

/** The varint at b[at]: its value and how many bytes it took. */
export function decodeVarint(b: Uint8Array, at = 0): [value: number, length: number] {
  let value = 0;
  for (let i = 0; i < 8; i++) { // 8 bytes carry 56 bits: enough to see a value pass 2^53 - 1
    if (at + i >= b.length) throw varintError('truncated');
    const byte = b[at + i];
    value += (byte & 127) * 2 ** (7 * i);
    if (byte < 128) {
      if (byte === 0 && i > 0) throw varintError('not minimally encoded');
      if (value > Number.MAX_SAFE_INTEGER) break;
      return [value, i + 1];
    }
  }
  throw varintError('over 2^53 - 1');
}
