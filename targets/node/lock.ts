// One writer per state file: FILE.lock holds the PID of the process that may
// write it (Node and Bun have no flock). Created with O_EXCL, removed when that
// process exits; a lock whose process is gone (killed, crashed) is taken over.
import { closeSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type Lock = { held: true; release(): void } | { held: false; holder: number; file: string };

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // it exists, but is someone else's
  }
}

function holderOf(lock: string): number {
  try {
    return parseInt(readFileSync(lock, 'utf8'), 10) || 0;
  } catch {
    return 0;
  }
}

/** The PID of the live process that holds the state file, or 0. */
export function lockHolder(file: string): number {
  const pid = holderOf(file + '.lock');
  return pid && alive(pid) ? pid : 0;
}

/** Claim the state file for this process, or learn who holds it. */
export function lockStateFile(file: string): Lock {
  const lock = file + '.lock';
  for (let tries = 0; tries < 5; tries++) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot lock ${file} (${lock}): ${(e as Error).message}`);
      const pid = holderOf(lock);
      if (pid && pid !== process.pid && alive(pid)) return { held: false, holder: pid, file: lock };
      try {
        unlinkSync(lock); // left by a process that is gone
      } catch {}
      continue;
    }
    try {
      writeSync(fd, process.pid + '\n'); // no fsync: after a crash the lock is stale anyway
    } finally {
      closeSync(fd);
    }
    const release = () => {
      if (holderOf(lock) === process.pid) {
        try {
          unlinkSync(lock);
        } catch {}
      }
    };
    process.on('exit', release);
    sweepTemporaries(file + '.blocks');
    return { held: true, release };
  }
  throw new Error(`cannot lock ${file}: ${lock} keeps changing hands`);
}

/**
 * Remove what writers that are gone left half-written in a directory: the
 * temporary files of atomic writes (NAME.PID.tmp, targets/node/host.ts) whose
 * process is dead. The new writer of a state file does this for its block
 * store; a live process's temporary file (a write under way) is left alone.
 * How many were removed.
 */
export function sweepTemporaries(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // no store yet
  }
  let n = 0;
  for (const name of names) {
    const pid = +(/\.(\d+)\.tmp$/.exec(name)?.[1] ?? 0);
    if (!pid || pid === process.pid || alive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      n++;
    } catch {}
  }
  return n;
}
