// Random values of the DAG-CBOR data model (no floats), deterministic from a
// PRNG: for the codec's round trips (test/mimei.test.ts) and its comparison
// with @ipld/dag-cbor (test/node/mimei-oracle.test.ts). `wide` reaches
// further: longer byte strings and texts, more code points, bigger lists.
import { sha256 } from '@noble/hashes/sha2.js';
import { DAG_CBOR, RAW } from '../runtime/identity/index.ts';
import { cidOf, Link, type Value } from '../runtime/mimei/index.ts';

export function randomValue(next: () => number, wide = false, depth = 0): Value {
  const k = Math.floor(next() * (depth > 3 ? 5 : 8));
  const int = () => Math.floor(next() * 2 ** Math.floor(next() * 54)) * (next() < 0.3 ? -1 : 1) || 0;
  const points = wide ? [97, 0xe9, 0x4e2d, 0x1f600, 0x7f] : [97, 0xe9, 0x4e2d, 0x1f600];
  const str = () =>
    Array.from({ length: Math.floor(next() * (wide ? 8 : 6)) }, () => String.fromCodePoint(points[Math.floor(next() * points.length)] + Math.floor(next() * (wide ? 30 : 3)))).join('');
  const items = () => Math.floor(next() * (wide ? 6 : 5));
  switch (k) {
    case 0: return int();
    case 1: return str();
    case 2: return Uint8Array.from({ length: Math.floor(next() * (wide ? 300 : 40)) }, () => Math.floor(next() * 256));
    case 3: return [true, false, null][Math.floor(next() * 3)];
    case 4: return new Link(cidOf(sha256, next() < 0.5 ? RAW : DAG_CBOR, new Uint8Array([Math.floor(next() * 256)])));
    case 5: case 6: return Array.from({ length: items() }, () => randomValue(next, wide, depth + 1));
    default: {
      const o: { [k: string]: Value } = {};
      for (let i = items(); i > 0; i--) o[str()] = randomValue(next, wide, depth + 1);
      return o;
    }
  }
}
