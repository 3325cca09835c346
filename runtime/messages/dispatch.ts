// What a received message does. An active message `{/name args}` calls this
// node's public macro /name with its words as inert arguments; other text
// goes to the macro `on-message` ($from, @text), if the owner defined one.
// Both run with the visitor's capabilities (compute, never define or reach
// the network) unless the owner trusts the sender ([trust ID]): then the
// message is a program run as the owner, all of its definitions kept in one
// state line, or none (a remote upgrade). A hook the node registers for an
// active message's name (`{/mm-version B64}`: a Mimei's new version) takes
// it first: plain code that gets the sender and the text, no evaluation.
import { OWNER, VISITOR } from '../../jml/capabilities.ts';
import { inertArg, words } from '../../jml/text.ts';
import type { MagniNode } from '../magni.ts';
import type { Envelope } from './envelope.ts';
import { errorText } from '../diagnostics.ts';

/** The definition that lists trusted senders' short IDs, space separated. */
export const TRUSTED = 'data-trusted';

/** The short IDs of the senders the owner trusts. */
export const trustedIds = (node: MagniNode): string[] => words(node.interp.macros.get(TRUSTED)?.body || '');

export const isTrusted = (node: MagniNode, id: string): boolean => trustedIds(node).includes(id);

/** An active message `{/name args}`: [, name, args], or null. */
const activeMessage = (body: string) => /^\{(\/[^\s{}[\]\\]+)(?: ([^]*))?\}$/.exec(body.trim());

/** The line a message runs as, or null when nothing handles it. */
function messageLine(node: MagniNode, e: Envelope, trusted: boolean, active: RegExpExecArray | null): string | null {
  if (!active && trusted) return e.body;
  // an active message calls its own macro; other text goes to on-message
  const macro = active ? active[1] : 'on-message';
  if (!node.interp.macros.has(macro)) return null;
  if (active) return '[' + macro + (active[2] ? ' ' + inertArg(active[2], false) : '') + ']';
  return '[on-message ' + e.from + ' ' + inertArg(e.body, false) + ']';
}

/** A node-level handler of an active message `{/name text}`: what it did, in a few words. */
export type MessageHook = (from: string, text: string) => string | Promise<string>;

/** Handle one message: what it gave (its output, then its errors), kept in the inbox. Rejects only when its definitions cannot be kept. */
export async function dispatch(node: MagniNode, e: Envelope, maxTime: number, hooks: ReadonlyMap<string, MessageHook>): Promise<string> {
  const active = activeMessage(e.body);
  const hook = active && hooks.get(active[1]);
  if (hook) return hook(e.from, active![2] || '');
  const trusted = isTrusted(node, e.from);
  const line = messageLine(node, e, trusted, active);
  if (line === null) return '';
  const r = await node.evalAsOne(line, { caps: trusted ? OWNER : VISITOR, user: 'msg:' + e.from + ':' + e.seq, maxTime });
  return r.output + r.errors.map(errorText).join('');
}
