// Hostile clients, for the web bench and the server tests alike: real
// connections on loopback that a node must survive.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';

/** Resident memory of a process, in MB. */
export function rssMB(pid: number): number {
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
}

/**
 * `connections` clients that each send ~64 KB of pipelined GET /iota/0/100000
 * (every answer ~600 KB) and read nothing. Returns them; destroy() each to end it.
 */
export function pipelinedBurst(port: number, connections = 3): Socket[] {
  const req = 'GET /iota/0/100000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const burst = req.repeat(Math.ceil(65536 / req.length));
  return Array.from({ length: connections }, () => {
    const c = connect(port, '127.0.0.1');
    c.on('error', () => {});
    c.pause(); // reads nothing
    c.write(burst);
    return c;
  });
}

/**
 * `clients` connections that each POST a body of `bytes` at once. Returns the
 * sockets and, as they close, how each ended: its status ('503 with
 * Retry-After' for a 503 that says when to come back), or 'closed'.
 */
export function uploads(port: number, clients = 1000, bytes = 1 << 20): { sockets: Socket[]; endings: Map<string, number> } {
  const body = Buffer.alloc(bytes, 0x61);
  const endings = new Map<string, number>();
  const sockets = Array.from({ length: clients }, () => {
    const c = connect(port, '127.0.0.1');
    let head = '';
    c.on('error', () => {});
    c.on('data', (d: Buffer) => {
      if (head.length < 200) head += d.toString('latin1');
    });
    c.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      const how = !m ? 'closed' : m[1] === '503' ? (/\r\nRetry-After: \d+/i.test(head) ? '503 with Retry-After' : '503 without Retry-After') : m[1];
      endings.set(how, (endings.get(how) || 0) + 1);
    });
    c.write(`POST /edit/Big HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    c.write(body);
    return c;
  });
  return { sockets, endings };
}

/**
 * While an attack runs: every 250 ms for `ms`, the server's RSS and the time
 * another client waits for `url`. Peak RSS (MB), slowest answer (ms), statuses seen.
 */
export async function underAttack(pid: number, url: string, ms = 3000): Promise<{ peak: number; slowest: number; statuses: Set<number> }> {
  let peak = 0;
  let slowest = 0;
  const statuses = new Set<number>();
  for (let t = 0; t < ms; t += 250) {
    await new Promise((r) => setTimeout(r, 250));
    peak = Math.max(peak, rssMB(pid));
    const t0 = Date.now();
    const r = await fetch(url).catch(() => ({ status: 0 }));
    statuses.add(r.status);
    if (r.status === 200) slowest = Math.max(slowest, Date.now() - t0);
  }
  return { peak, slowest, statuses };
}
