// Byte-array helpers the identity modules share.

export const concatBytes = (...parts: Uint8Array[]): Uint8Array => concatAll(parts);

/** The parts as one array (a list too long to spread as arguments, such as a CAR's blocks). */
export function concatAll(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) out.set(p, n), (n += p.length);
  return out;
}
