// The ring's invariants, checked over a global view of every live member
// (the simulator has one; so does a test of real processes). After Zave:
// correctness rests on the successor lists, so that is what is checked.
// - OrderedSuccessorLists: each list is in ring order after its owner,
//   never wraps past it, holds no duplicates, and is at most 2r - 1 long
//   (r, after up to r - 1 suspected successors kept in front).
// - AtLeastOneLiveSuccessor: a member with a successor list has a live
//   member in it (Zave's operating assumption: a failure that breaks it is
//   not allowed, and the simulator makes none). A member with an empty list
//   is a ring of one (it created the ring and has not adopted anyone yet).
// - OneOrderedRing: following each member's first live successor (its best
//   successor) from any member leads to one and the same cycle, and that
//   cycle goes around the ring exactly once.
// - OrderedAppendages: a member off the cycle reaches it going clockwise,
//   without passing itself.
// idealProblems() adds what a quiet ring converges to: every list is the
// next r members, every predecessor the member before.
import { between } from './id.ts';
import type { NodeRef } from './wire.ts';

/** What the checker reads of a member. */
export interface MemberView {
  self: NodeRef;
  succs: NodeRef[];
  pred: NodeRef | null;
  r: number;
}

/**
 * Problems with the invariants (empty: all hold), each naming the members
 * involved. appendages: also check OrderedAppendages, which holds when
 * failures are detected exactly (Zave's model); when messages may be lost,
 * a live node taken for dead can leave an appendage pointing past itself
 * for a while (stabilize and fix-fingers bring it back).
 */
export function ringProblems(members: MemberView[], appendages = true): string[] {
  const problems: string[] = [];
  const byId = new Map(members.map((m) => [m.self.id, m]));
  const short = (id: string) => id.slice(0, 8);
  const best = new Map<string, string>();
  for (const m of members) {
    const me = m.self.id;
    let prev = me;
    for (const s of m.succs) {
      if (!between(prev, s.id, me)) {
        problems.push(`${short(me)}: successor list not in ring order at ${short(s.id)}`);
        break;
      }
      prev = s.id;
    }
    if (m.succs.length > 2 * m.r - 1) problems.push(`${short(me)}: ${m.succs.length} successors, more than 2r - 1 = ${2 * m.r - 1}`);
    const live = m.succs.find((s) => byId.has(s.id));
    if (!live && m.succs.length) problems.push(`${short(me)}: no live successor`);
    best.set(me, live ? live.id : me);
  }
  // the cycles of the best-successor graph: walk from each member until a known or repeated one
  const cycleOf = new Map<string, number>();
  const cycles: string[][] = [];
  for (const m of members) {
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let x = m.self.id;
    while (!cycleOf.has(x) && !onPath.has(x)) {
      onPath.set(x, path.length);
      path.push(x);
      x = best.get(x)!;
    }
    let c = cycleOf.get(x);
    if (c === undefined) {
      c = cycles.length;
      cycles.push(path.slice(onPath.get(x)));
    }
    for (const y of path) cycleOf.set(y, c);
  }
  if (cycles.length > 1) problems.push(`${cycles.length} rings: ${cycles.map((c) => c.map(short).join('>')).join(' | ')}`);
  for (const c of cycles) {
    let wraps = 0;
    for (let i = 0; i < c.length; i++) if (c[(i + 1) % c.length] <= c[i]) wraps++;
    if (wraps !== 1) problems.push(`ring ${c.map(short).join('>')} goes around ${wraps} times`);
  }
  // appendages: the path to the cycle goes clockwise and never passes its start
  const onCycle = new Set(cycles.flat());
  if (appendages) for (const m of members) {
    const start = m.self.id;
    let x = start;
    while (!onCycle.has(x)) {
      const y = best.get(x)!;
      if (x !== start && !between(x, y, start)) {
        problems.push(`${short(start)}: path to the ring passes itself at ${short(x)}`);
        break;
      }
      x = y;
    }
  }
  return problems;
}

/** A node as the ideal check names it: its position and its address (a restarted node may have a new one). */
const name = (n: NodeRef) => n.id.slice(0, 8) + '@' + n.addr;

/** Where a quiet ring differs from the ideal: lists are the next r members, predecessors the one before (positions and addresses). */
export function idealProblems(members: MemberView[]): string[] {
  const byId = new Map(members.map((m) => [m.self.id, m]));
  const sorted = [...byId.keys()].sort();
  const n = sorted.length;
  const problems: string[] = [];
  sorted.forEach((id, i) => {
    const m = byId.get(id)!;
    const want = Array.from({ length: Math.min(m.r, n - 1) }, (_, j) => name(byId.get(sorted[(i + 1 + j) % n])!.self));
    const got = m.succs.map(name);
    if (got.join() !== want.join()) problems.push(`${name(m.self)}: successors ${got.join(',')}, want ${want.join(',')}`);
    const wantPred = n > 1 ? name(byId.get(sorted[(i + n - 1) % n])!.self) : 'none';
    const pred = m.pred ? name(m.pred) : 'none';
    if (pred !== wantPred) problems.push(`${name(m.self)}: predecessor ${pred}, want ${wantPred}`);
  });
  return problems;
}
