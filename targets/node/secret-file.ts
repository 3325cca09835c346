// A secret kept in a small file beside the state (the web key, the node's
// key pair): mode 0600, created atomically, never overwritten.
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { syncDir } from './host.ts';

/**
 * The text of `file`, created from make() when there is none. Creation is
 * atomic: written and synced under a temporary name, then hard-linked into
 * place, which fails rather than replacing a file another process just made.
 * check(text) says what is wrong with a file's text ('' when nothing): such a
 * file is an error, never overwritten.
 */
export function readOrCreateSecret(file: string, what: string, make: () => string, check: (text: string) => string): string {
  const existing = readSecret(file, what, check);
  if (existing !== null) return existing;
  const tmp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, make());
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  syncDir(file);
  return readSecret(file, what, check) as string;
}

function readSecret(file: string, what: string, check: (text: string) => string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the ${what} file ${file}: ${(e as Error).message}`);
  }
  const wrong = check(text);
  if (wrong) throw new Error(`the ${what} file ${file} ${wrong}; fix it, or remove it to make a new one`);
  if (process.platform !== 'win32' && statSync(file).mode & 0o077)
    writeSync(2, `run: warning: the ${what} file ${file} can be read by other users (chmod 600 ${file})\n`);
  return text;
}
