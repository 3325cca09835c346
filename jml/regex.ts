// The original's small regular expressions (D12): literal characters, `.`,
// `*` (lazy, after one atom), `(` `)` groups numbered by their opening
// parenthesis, `^` and `$` anchors, and `\n`, which matches a newline, a
// literal backslash-n, or the start of the text. Matching is iterative
// backtracking with a work limit, so no pattern can hang a line.
import { JmlError } from './errors.ts';

/** The atoms a `*` may follow (Char, Any) come first. */
const enum Op { Char, Any, NL, Mark, End }
/** slot: where a Mark records the position, 2g for group g's start, 2g + 1 for its end. */
interface Node { op: Op; ch: string; star: boolean; slot: number }

export interface Regex { nodes: Node[]; groups: number; anchored: boolean }

const MAX_PATTERN = 512;
const MAX_WORK = 2_000_000;

const fail = (why: string): never => {
  throw new JmlError('regexp ' + why);
};
const newNode = (op: Op, ch = '', slot = 0): Node => ({ op, ch, star: false, slot });

export function compile(p: string): Regex {
  if (p.length > MAX_PATTERN) fail('longer than ' + MAX_PATTERN + ' characters');
  const nodes: Node[] = [];
  const open: number[] = [];
  let groups = 0;
  const anchored = p[0] === '^';
  for (let i = anchored ? 1 : 0; i < p.length; i++) {
    const c = p[i];
    let node: Node;
    if (c === '(') {
      node = newNode(Op.Mark, '', ++groups * 2);
      open.push(groups);
    } else if (c === ')') {
      node = newNode(Op.Mark, '', (open.pop() ?? fail('has an unmatched )')) * 2 + 1);
    } else if (c === '$' && i === p.length - 1) {
      node = newNode(Op.End);
    } else if (c === '\\' && p[i + 1] === 'n') {
      node = newNode(Op.NL);
      i++;
    } else {
      if (c === '\\' && i + 1 < p.length) i++;
      node = c === '.' ? newNode(Op.Any) : newNode(Op.Char, p[i]);
    }
    if (p[i + 1] === '*' && node.op <= Op.Any) {
      node.star = true;
      i++;
    }
    nodes.push(node);
  }
  if (open.length) fail('has an unmatched (');
  return { nodes, groups, anchored };
}

/** Width of one atom at text position t, or -1 when it does not match there. */
function atom(n: Node, s: string, t: number): number {
  if (n.op === Op.Any) return t < s.length ? 1 : -1;
  if (n.op === Op.Char) return s[t] === n.ch ? 1 : -1;
  // Op.NL
  if (s[t] === '\n') return 1;
  if (s[t] === '\\' && s[t + 1] === 'n') return 2;
  return t === 0 ? 0 : -1;
}

export interface Match { start: number; end: number; groups: string[] }

/** Match at exactly position `at`; returns null when there is no match. */
function matchAt(re: Regex, s: string, at: number, work: { n: number }): Match | null {
  const nodes = re.nodes;
  const gs = new Array<number>(re.groups * 2 + 2).fill(-1);
  // Backtracking stack of [node index, text position, star count, saved group slot, saved value]
  const stack: number[] = [];
  let k = 0;
  let t = at;
  for (;;) {
    if (++work.n > MAX_WORK) fail('takes too long');
    if (k === nodes.length) {
      const groups: string[] = [];
      // the match went through every node, so every group's start and end are set
      for (let g = 1; g <= re.groups; g++) groups.push(s.slice(gs[g * 2], gs[g * 2 + 1]));
      return { start: at, end: t, groups };
    }
    const n = nodes[k];
    let ok = true;
    if (n.op === Op.Mark) {
      const slot = n.slot;
      stack.push(-2, slot, gs[slot]);
      gs[slot] = t;
      k++;
    } else if (n.op === Op.End) {
      ok = t === s.length;
      k++;
    } else if (n.star) {
      // Lazy: take zero now, remember how to take one more.
      stack.push(k, t, 0);
      k++;
    } else {
      const w = atom(n, s, t);
      if (w < 0) ok = false;
      else {
        t += w;
        k++;
      }
    }
    if (ok) continue;
    // Backtrack: undo group marks until a star that can take one more atom.
    for (;;) {
      if (stack.length === 0) return null;
      const c = stack.pop() as number;
      const b = stack.pop() as number;
      const a = stack.pop() as number;
      if (a === -2) {
        gs[b] = c;
        continue;
      }
      const pos = b + c;
      const w = atom(nodes[a], s, pos);
      if (w <= 0) continue;
      const taken = c + w;
      stack.push(a, b, taken);
      k = a + 1;
      t = b + taken;
      break;
    }
  }
}

/** Every non-overlapping match, left to right (only one when anchored with ^). */
export function matchAll(re: Regex, s: string): Match[] {
  const out: Match[] = [];
  const work = { n: 0 };
  for (let at = 0; at <= s.length; ) {
    const m = matchAt(re, s, at, work);
    if (m) out.push(m);
    if (re.anchored) break;
    // on after a match, one character on after an empty one or none
    at = m && m.end > at ? m.end : at + 1;
  }
  return out;
}
