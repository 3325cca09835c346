// What the DHT holds of a Mimei: under the key that is the MID's ring
// position (its 20 bytes, as a node's short ID names its ring position),
// one record per provider, signed by that provider's node key (the DHT's
// own record format, chord/record.ts). The value is text:
//   `URL VERSION`  the provider's base URL, then the version record it
//                  holds (its DAG-CBOR bytes, base64url)
// The version record is the owner's signed record, so a provider can say
// where it is and which version it has, but can never invent a version.
import { mimeiError } from './mimei-error.ts';
import type { Host } from '../host.ts';
import { fromBase64, ringOfShortId, toBase64url } from '../identity/index.ts';
import { checkRecord } from '../chord/record.ts';
import { MAX_VERSION } from './records.ts';

/** The longest provider URL a record may carry. */
export const MAX_URL = 200;
const URL_RE = /^https?:\/\/[^\s/?#]{1,100}(\/[^\s?#]*)?$/;

/** The DHT key (40 hex digits: a ring position) of a Mimei. */
export const mimeiKey = (mid: string): string => ringOfShortId(mid);

/** Whether s is a provider's base URL as records carry it. */
export const isProviderUrl = (s: string): boolean => s.length <= MAX_URL && URL_RE.test(s);

/** A provider's value: its base URL and the version record it holds. */
export function providerValue(url: string, version: Uint8Array): string {
  if (!isProviderUrl(url)) throw mimeiError('not a provider URL (http://HOST:PORT, at most ' + MAX_URL + ' characters): ' + url.slice(0, 60));
  if (version.length > MAX_VERSION) throw mimeiError('a version record of more than ' + MAX_VERSION + ' bytes');
  return url + ' ' + toBase64url(version);
}

export interface Provider {
  /** The signer's short ID (a node's). */
  id: string;
  url: string;
  /** The version record it says it holds (not yet checked against the owner: checkVersion). */
  version: Uint8Array;
}

/** A DHT record (signed JSON) found under mid's key, as a provider; null when it does not check or is not one. */
export function providerOf(host: Required<Pick<Host, 'sha256' | 'verify'>>, mid: string, record: string): Provider | null {
  const point = mimeiKey(mid);
  const slot = checkRecord(host, point, record);
  if (!slot) return null;
  let v: string;
  try {
    v = JSON.parse(record).v;
  } catch {
    return null;
  }
  const m = /^(\S+) ([\w-]+)$/.exec(v);
  if (!m || !isProviderUrl(m[1]) || m[2].length > Math.ceil((MAX_VERSION * 4) / 3)) return null;
  try {
    return { id: slot.slot, url: m[1], version: fromBase64(m[2]) };
  } catch {
    return null;
  }
}
