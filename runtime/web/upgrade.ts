// Sealed upgrades: a program the owner sends to a node, encrypted with the
// node's key (XXTEA, as the seed's upgrades), that carries a counter the node
// must not have seen (the sealing time in ms: an old upgrade replayed is
// refused) and a MAC under a key derived from the node's, so that random or
// forged bodies are refused. Made with `./run upgrade`.
import { decryptText, encryptText } from '../../jml/crypto.ts';

const MAGIC = 'magni-upgrade';

/**
 * The time budget of each line of an upgrade. An upgrade is the owner's own
 * work (`run mimei sync` forwarded to the running server fetches megabytes),
 * not a visitor's, so the web node's 1 s budget would cut it short.
 */
export const UPGRADE_MS = 25_000;

/** The MAC key: the node key sealed under itself, so knowing one output of the MAC tells nothing of the node key. */
const macKey = (key: string) => encryptText(MAGIC + ' mac', key).slice(1, 17);
/** 16 hex digits: the last 8 bytes of the XXTEA encryption (a wide block: every byte depends on all the text). */
const mac = (counter: number, program: string, key: string) => encryptText(counter + '\n' + program, macKey(key)).slice(-17, -1);

/** The body to POST to /upgrade: `{HEX}`. */
export function sealUpgrade(program: string, key: string, counter: number): string {
  program = program.replace(/ +$/, ''); // encryptText drops trailing spaces: the MAC must see what arrives
  return encryptText(`${MAGIC} ${counter} ${mac(counter, program, key)}\n${program}`, key);
}

/** The counter and program of a body sealed with key, or null for anything else. */
export function openUpgrade(body: string, key: string): { counter: number; program: string } | null {
  const m = /^\s*\{?([0-9A-Fa-f]{16,})\}?\s*$/.exec(body);
  if (!m || m[1].length % 8) return null;
  let text: string;
  try {
    text = decryptText(m[1], key);
  } catch {
    return null;
  }
  const head = /^magni-upgrade (\d{1,15}) ([0-9A-F]{16})\n/.exec(text);
  if (!head) return null;
  const counter = Number(head[1]);
  const program = text.slice(head[0].length);
  return mac(counter, program, key) === head[2] ? { counter, program } : null;
}
