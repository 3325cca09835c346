// UTF-8 without TextEncoder/TextDecoder (QuickJS lacks them).
// Lone surrogates encode as U+FFFD; invalid input decodes to U+FFFD (WHATWG style).

/** Byte length of the UTF-8 encoding of s, without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n++;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) (n += 4), i++;
    else n += 3; // BMP char, or a lone surrogate as U+FFFD
  }
  return n;
}

export function utf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[j++] = c;
      continue;
    }
    if (c < 0x800) {
      out[j++] = 0xc0 | (c >> 6);
    } else {
      if ((c & 0xf800) === 0xd800) {
        const d = s.charCodeAt(i + 1);
        if (c < 0xdc00 && (d & 0xfc00) === 0xdc00) {
          c = 0x10000 + ((c & 0x3ff) << 10) + (d & 0x3ff);
          i++;
          out[j++] = 0xf0 | (c >> 18);
          out[j++] = 0x80 | ((c >> 12) & 63);
        } else c = 0xfffd;
      }
      if (c < 0x10000) out[j++] = 0xe0 | (c >> 12);
      out[j++] = 0x80 | ((c >> 6) & 63);
    }
    out[j++] = 0x80 | (c & 63);
  }
  return out;
}

/**
 * text with the code units appended, and units emptied. Callers collect code
 * units and append them in chunks: String.fromCharCode takes only so many
 * arguments, and one += per character is slow on big inputs.
 */
export function appendUnits(text: string, units: number[]): string {
  text += String.fromCharCode.apply(null, units);
  units.length = 0;
  return text;
}

export function utf8Decode(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  const u: number[] = []; // UTF-16 code units, appended in chunks
  let i = start;
  while (i < end) {
    const c = b[i++];
    let cp = 0xfffd;
    if (c < 0x80) cp = c;
    else {
      // Sequence length and the allowed range of the 2nd byte (excludes overlongs, surrogates, > U+10FFFF).
      const n = c < 0xc2 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : 0;
      if (n) {
        const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
        const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
        let v = c & (0x3f >> n);
        let k = 0;
        for (; k < n && i < end; k++) {
          const d = b[i];
          if (d < (k ? 0x80 : lo) || d > (k ? 0xbf : hi)) break;
          v = (v << 6) | (d & 63);
          i++;
        }
        // On a short or broken sequence, the bytes consumed so far become one U+FFFD.
        if (k === n) cp = v;
      }
    }
    if (cp < 0x10000) u.push(cp);
    else u.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + (cp & 0x3ff));
    if (u.length > 4096) s = appendUnits(s, u);
  }
  return appendUnits(s, u);
}
