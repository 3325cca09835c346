// Page history: every saved version of a page, from the node's index of its
// state log; a version's text is read back from its one line.
import type { MagniNode, Version } from '../magni.ts';
import { extractDefinitions, type Extracted } from '../../jml/macro.ts';

/** The versions of a definition, oldest first (times and authors only: nothing is read). */
export function versions(node: MagniNode, name: string): Version[] {
  return node.versions.get(name) || [];
}

/** One version's definition, read from its line in the state log (null if the line no longer says it). */
export function readVersion(node: MagniNode, name: string, v: Version): Extracted | null {
  const line = node.host.readAt(v.file, v.offset, v.bytes);
  return extractDefinitions(line).defs.find((d) => d.name === name && d.pos === v.pos) || null;
}
