// Text read as the digits of an alphabet, for the decoders of every base.

/**
 * The value of each character of s in `alphabet`, or else in `alternative`
 * (another spelling of the same digits: uppercase base32, standard base64).
 * `base` names the base in the error for a character in neither.
 */
export function digitValues(s: string, base: string, alphabet: string, alternative = alphabet): number[] {
  const values: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let v = alphabet.indexOf(s[i]);
    if (v < 0) v = alternative.indexOf(s[i]);
    if (v < 0) throw new Error(`${base}: invalid character ${JSON.stringify(s[i])} at ${i}`);
    values.push(v);
  }
  return values;
}
