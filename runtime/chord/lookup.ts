// The iterative lookup: the asking node drives it. It asks one node after
// another for a step (`find`); each answer either names the key's owner
// candidates (the answering node's successors from the key on: the owner is
// the first that is alive) or nodes closer to the key to ask next. A node
// that does not answer is passed over for the next candidate; when all the
// next hops a node named are dead, it is asked again without them; when
// all the owner candidates are dead, the nodes before the key that the
// answer named are asked on; when a level runs out, the lookup backs up to
// the one before. Every accepted candidate lies strictly between the node
// that named it and the key, and no node is asked for a step twice, so a
// lookup always ends, even among inconsistent or lying nodes. The owner
// found is confirmed by its own predecessor (see confirm()).
import { between, upTo } from './id.ts';
import { MAX_LIST, asFindReply, type ChordRequest, type FindReply, type NodeRef, type StateReply } from './wire.ts';

/** How a lookup ended. */
export interface LookupResult {
  /** The key's owner (its live successor), or null when the lookup failed. */
  owner: NodeRef | null;
  /** The owner's successor list, as it answered (where a key's replicas go). */
  succs: NodeRef[];
  /** Find steps answered (the owner's confirmation not counted: the paper's path length is hops + 1). */
  hops: number;
  /** Nodes that did not answer (dead, lost, not members). */
  timeouts: number;
  /** Why it failed. */
  error?: string;
}

/** What a lookup needs from the node that drives it. */
export interface LookupAsker {
  readonly self: NodeRef;
  readonly succs: NodeRef[];
  /** Tries before a node counts as dead. */
  readonly attempts: number;
  /** The asker's own step, with up to max next-hop candidates. */
  findStep(point: string, max: number): FindReply;
  /** Send a request (tried `attempts` times while no answer comes); reply is null when none came or it was an error. */
  ask(to: NodeRef, req: ChordRequest, done: (reply: unknown) => void, attempts?: number): void;
  /** Ask for a node's state (tried `attempts` times); st is null when none came or it was no state. */
  askState(to: NodeRef, done: (st: StateReply | null) => void): void;
}

/** Most requests one lookup may send. */
export const MAX_LOOKUP_MESSAGES = 100;

/**
 * Find the live owner of `point`, starting from `first` (the asker's own
 * step, or { done: false, nodes: [bootstrap] } for a node that is joining);
 * `from` is the position of the node that gave `first` (null: no order
 * check). Unless useSelf, the asker is never a step or an answer (a node
 * looking for its own place asks the others).
 */
export function iterativeLookup(asker: LookupAsker, point: string, first: FindReply, from: string | null, useSelf: boolean, done: (r: LookupResult) => void): void {
  // a level: a step's answer, who gave it (to ask again, without the dead, once its candidates ran out), and how many died
  type Level = { from: string | null; by: NodeRef | null; reply: FindReply; i: number; lost: number };
  const levels: Level[] = [];
  const addLevel = (from: string | null, by: NodeRef | null, reply: FindReply) => levels.push({ from, by, reply, i: 0, lost: 0 });
  addLevel(from, null, first);
  /** Nodes that did not answer; nodes asked for a step already (a step does not change: never ask twice). */
  const dead: Record<string, 1> = {};
  const asked: Record<string, 1> = {};
  const find: ChordRequest = { op: 'find', key: point };
  let hops = 0;
  let timeouts = 0;
  let sent = 0;
  const finish = (owner: NodeRef | null, succs: NodeRef[] = [], error?: string) => {
    const result: LookupResult = { owner, succs, hops, timeouts };
    if (error) result.error = error; // only a failed lookup has one
    done(result);
  };
  const failed = (n: NodeRef) => {
    dead[n.id] = 1;
    timeouts++;
    const top = levels[levels.length - 1];
    if (top) top.lost++;
    next();
  };
  const step = (n: NodeRef, req: ChordRequest) => {
    sent++;
    asker.ask(n, req, (reply) => {
      const r = asFindReply(reply);
      if (!r) return failed(n);
      hops++;
      addLevel(n.id, n, r);
      next();
    }, asker.attempts);
  };
  // The owner's predecessor may lie at or after the key (a node that joined
  // since the answering node last stabilized): walk back while it answers.
  function confirm(owner: NodeRef, st: StateReply): void {
    const pred = st.pred;
    const nearer = pred && owner.id !== point && (pred.id === point || between(point, pred.id, owner.id));
    if (!pred || !nearer || dead[pred.id] || sent >= MAX_LOOKUP_MESSAGES) return finish(owner, st.succs);
    if (pred.id === asker.self.id) return useSelf ? finish(asker.self, asker.succs) : finish(owner, st.succs);
    sent++;
    asker.askState(pred, (pst) => {
      if (pst) confirm(pred, pst);
      else finish(owner, st.succs);
    });
  }
  function next(): void {
    for (;;) {
      const top = levels[levels.length - 1];
      if (!top) return finish(null, [], 'no node on the way answered');
      if (sent >= MAX_LOOKUP_MESSAGES) return finish(null, [], 'gave up after ' + sent + ' requests');
      const n = top.reply.nodes[top.i++];
      if (!n) {
        levels.pop();
        // every owner candidate is dead: ask on from the nodes before the key
        const back = top.reply.done && top.reply.back;
        if (back && back.length) addLevel(top.from, null, { done: false, nodes: back });
        // every next hop named is dead: ask the same node for others
        const by = !top.reply.done && top.lost && top.by;
        if (by) return step(by, { op: 'find', key: point, skip: Object.keys(dead).filter((d) => between(by.id, d, point)).slice(0, MAX_LIST) });
        continue;
      }
      const me = n.id === asker.self.id;
      if (dead[n.id] || (me && !useSelf)) continue;
      if (top.reply.done) {
        // an owner candidate: the key lies between the node that named it and it
        if (top.from !== null && !upTo(top.from, point, n.id)) continue;
        if (me) return finish(n, asker.succs);
        sent++;
        return asker.askState(n, (st) => {
          if (st) confirm(n, st);
          else failed(n);
        });
      }
      if (asked[n.id] || (top.from !== null && !between(top.from, n.id, point))) continue;
      asked[n.id] = 1;
      if (me) {
        addLevel(n.id, null, asker.findStep(point, 1 << 10));
        continue;
      }
      return step(n, find);
    }
  }
  next();
}
