// One writer per store, whether or not its server runs: while a live server
// holds the state file's lock, a command that would write hands its work to
// that server as a sealed upgrade (the owner's program, sealed with the
// node's web key, as `run upgrade` makes one) instead of writing itself.
// The server says where it serves in STATE.url (written atomically when it
// starts serving, removed when it stops).
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { sealUpgrade, UPGRADE_MS } from '../../runtime/web/upgrade.ts';
import { lockHolder } from './lock.ts';

/** How long to wait for a forwarded program's answer (its line's budget, and time to answer), and how often a refused (same-millisecond) seal is made again. */
const FORWARD_MS = UPGRADE_MS + 5_000;
const RESEALS = 5;

const urlFile = (stateFile: string) => stateFile + '.url';

/** The server says where it serves: STATE.url holds its base URL (written after it holds the lock). */
export function announceServer(stateFile: string, baseUrl: string): () => void {
  const file = urlFile(stateFile);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, baseUrl + '\n');
  renameSync(tmp, file);
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === baseUrl) unlinkSync(file);
    } catch {}
  };
}

/**
 * The live server's base URL, or null when no live process holds the lock
 * (or the one that does has said nowhere it serves: STATE.url missing, or
 * older than the lock, left by a server before it).
 */
export function serverOf(stateFile: string): string | null {
  if (!lockHolder(stateFile)) return null;
  try {
    const url = readFileSync(urlFile(stateFile), 'utf8').trim();
    if (!/^https?:\/\/[^\s/]+$/.test(url)) return null;
    if (statSync(urlFile(stateFile)).mtimeMs < statSync(stateFile + '.lock').mtimeMs) return null;
    return url;
  } catch {
    return null;
  }
}

/** The node's web key (STATE.key), as the server reads it. */
function keyOf(stateFile: string): string {
  const key = readFileSync(stateFile + '.key', 'utf8').replace(/\r?\n$/, '');
  if (!/^[A-Za-z0-9]{16}$/.test(key)) throw new Error(`${stateFile}.key does not hold the node's key`);
  return key;
}

/**
 * Run program as the owner on the live server of stateFile: sealed with the
 * node's key, POSTed to STATE.url + '/upgrade'. ok when the server ran it
 * without errors; text is what it answered (the program's output). Throws
 * when there is no live server, or it cannot be reached.
 */
export async function forwardToServer(stateFile: string, program: string): Promise<{ ok: boolean; text: string }> {
  const base = serverOf(stateFile);
  if (!base) throw new Error(`no live server holds ${stateFile}`);
  const key = keyOf(stateFile);
  for (let i = 0; ; i++) {
    let r: Response;
    try {
      r = await fetch(base + '/upgrade', { method: 'POST', body: sealUpgrade(program, key, Date.now()), signal: AbortSignal.timeout(FORWARD_MS) });
    } catch (e) {
      const why = (e as Error & { cause?: Error }).cause?.message || (e as Error).message;
      throw new Error(`cannot reach the server of ${stateFile} at ${base} (from ${urlFile(stateFile)}): ${why}`);
    }
    const text = await r.text();
    // two seals in one millisecond: the second is "an old upgrade"; seal it again, later
    if (r.status === 403 && /an old upgrade/.test(text) && i < RESEALS) {
      await new Promise((w) => setTimeout(w, 2 + i * 5));
      continue;
    }
    return { ok: r.status === 200, text };
  }
}

/** Whether the server at stateFile's STATE.url answers at all (before writing anything for it). */
export async function serverAnswers(stateFile: string): Promise<string> {
  const base = serverOf(stateFile);
  if (!base) throw new Error(`no live server holds ${stateFile}`);
  try {
    await (await fetch(base + '/favicon.ico', { signal: AbortSignal.timeout(5_000) })).arrayBuffer();
    return base;
  } catch (e) {
    const why = (e as Error & { cause?: Error }).cause?.message || (e as Error).message;
    throw new Error(`cannot reach the server of ${stateFile} at ${base} (from ${urlFile(stateFile)}): ${why}`);
  }
}
