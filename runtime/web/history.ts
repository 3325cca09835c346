// Page history: every saved version of a definition, read back from the
// state log (each save appended one replayable line), oldest first.
import type { MagniNode } from '../magni.ts';
import { readStateLines } from '../state.ts';
import { extractDefinitions, type Extracted } from '../../jml/macro.ts';

export function versions(node: MagniNode, name: string): Extracted[] {
  const out: Extracted[] = [];
  for (const file of node.stateFiles)
    for (const l of readStateLines(node.host, file))
      if (l.complete && l.text.indexOf(name) > 0) for (const d of extractDefinitions(l.text).defs) if (d.name === name) out.push(d);
  return out;
}
