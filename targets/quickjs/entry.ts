// The QuickJS bundle (dist/board.js): the firmware registers __magni_host,
// evaluates this, then drives the node through globalThis.magni.
import './polyfills.ts'; // first: installs globals before the core evaluates
import { hostFromGlobals } from '../../firmware-shims/quickjs-host.ts';
import { MagniNode, type LineResult } from '../../runtime/index.ts';

let node: MagniNode | undefined;

(globalThis as any).magni = {
  /** optsJson: NodeOptions as JSON ('' for defaults). Replays the state files. */
  load(optsJson: string): void {
    node = new MagniNode(hostFromGlobals(), optsJson ? JSON.parse(optsJson) : {});
    node.load();
  },
  /** JSON of LineResult plus trace: string[]. Never throws a JS error; a C caller parses one shape. */
  evalLine(line: string, trace: boolean): string {
    const lines: string[] = [];
    let r: LineResult;
    try {
      if (!node) throw new Error('magni.load() was not called');
      r = node.evalLine(line, trace ? { trace: (l) => lines.push(l) } : undefined);
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      r = { output: '%(ERROR:' + m + ')', errors: [m], warnings: [], steps: 0, passes: 0 };
    }
    return JSON.stringify({ ...r, trace: lines });
  },
};
