// The Mimei on the network from JML (the owner's: they need 'network'):
//   [mm-publish MID]    provide, then notify the other providers: `stored= N notified= N`
//   [mm-provide MID]    this node's provider record into the DHT: `stored= N`
//   [mm-findprovs MID]  a line per provider: `URL SEQ` (records and versions checked), newest first
//   [mm-sync MID]       fetch the newest version and its missing blocks: `ver= N fetched= BLOCKS bytes= B`
// What other nodes said is shown inert. A node that serves also takes
// `{/mm-version B64}` messages (a publisher's notification) through it.
import type { Ctx } from '../../jml/evaluation.ts';
import { JmlError } from '../../jml/errors.ts';
import { inertArg, inertLine } from '../../jml/text.ts';
import { isShortId } from '../identity/shortId.ts';
import type { MagniNode } from '../magni.ts';
import type { Messenger } from '../messages/messenger.ts';
import { failure } from './builtins.ts';
import { type MimeiNet, NOTIFY } from './net.ts';

export function registerMimeiNet(node: MagniNode, net: MimeiNet, messenger?: Messenger): void {
  const b = node.interp.hostBuiltins;
  const call = (name: string, f: (mid: string) => Promise<string>) => (a: string, it: Ctx) => {
    it.need('network', name);
    const mid = a.trim();
    if (!isShortId(mid)) throw new JmlError(name + ': ' + inertArg(mid.slice(0, 40), false) + ' is not a MID');
    return f(mid).then(inertLine, (e) => {
      throw failure(name, e);
    });
  };
  b.set('mm-publish', call('mm-publish', async (mid) => {
    const r = await net.publish(mid);
    return `stored= ${r.stored} notified= ${r.notified}`;
  }));
  b.set('mm-provide', call('mm-provide', async (mid) => `stored= ${await net.provide(mid)}`));
  b.set('mm-findprovs', call('mm-findprovs', async (mid) => (await net.findprovs(mid)).providers.map((p) => p.url + ' ' + p.seq).join('\n')));
  b.set('mm-sync', call('mm-sync', async (mid) => {
    const s = await net.sync(mid);
    return `ver= ${s.seq} fetched= ${s.fetched} bytes= ${s.bytes}`;
  }));
  messenger?.hooks.set(NOTIFY, (from, text) => net.notified(from, text, messenger.peers.get(from)));
}
