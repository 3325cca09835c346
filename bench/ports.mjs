// A free loopback port for a bench's server (the benches start real processes).
import { createServer } from 'node:net';

/** A port nothing listens on at 127.0.0.1 now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
