// [route KEY] and [route-data KEY] for a node that is not on the ring (a
// `run` reading lines, a device without a server): it asks a node that is
// (GET URL/route/KEY: the owner's short ID and base URL) and checks the
// answer's shape; the lookup itself runs on that node.
import type { Ctx } from '../../jml/evaluation.ts';
import { JmlError } from '../../jml/errors.ts';
import { inertArg } from '../../jml/text.ts';
import type { Interpreter } from '../../jml/interp.ts';
import type { Host } from '../host.ts';
import { isShortId } from '../identity/index.ts';
import { keyToPoint } from './id.ts';

export function registerRemoteRoute(interp: Interpreter, host: Host, via: string): void {
  const ask = (pick: 0 | 1) => async (args: string, it: Ctx): Promise<string> => {
    it.need('network', 'route');
    const key = args.trim();
    keyToPoint(key); // hex digits, or a clear error here rather than from the other node
    if (!host.wget) throw new JmlError('route: this host cannot reach other nodes');
    let text: string;
    try {
      text = await host.wget(via + '/route/' + key, { timeoutMs: it.timeLeft(), maxBytes: 4096 });
    } catch (e) {
      throw new JmlError('route: ' + via + ': ' + inertArg((e as Error).message, false));
    }
    const [id, url] = text.split('\n');
    if (!isShortId(id) || !/^https?:\/\/[^\s]+$/.test(url || '')) throw new JmlError('route: ' + via + ' did not answer with a node');
    return pick ? url : id;
  };
  interp.hostBuiltins.set('route', ask(0));
  interp.hostBuiltins.set('route-data', ask(1));
}
