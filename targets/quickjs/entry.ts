// The QuickJS bundle (dist/board.js): the firmware registers __magni_host,
// evaluates this, then drives the node through globalThis.magni.
import './polyfills.ts'; // first: installs globals before the core evaluates
import { hostFromGlobals, settle } from '../../firmware-shims/quickjs-host.ts';
import { MagniNode, type LineResult, registerIdentity } from '../../runtime/index.ts';

let node: MagniNode | undefined;

const failed = (e: unknown): LineResult => {
  const m = e instanceof Error ? e.message : String(e);
  return { output: '%(ERROR:' + m + ')', errors: [m], warnings: [], steps: 0, passes: 0 };
};

(globalThis as any).magni = {
  /** optsJson: NodeOptions as JSON ('' for defaults). Replays the state files. */
  load(optsJson: string): void {
    const host = hostFromGlobals();
    node = new MagniNode(host, optsJson ? JSON.parse(optsJson) : {});
    if (host.nodeKey) registerIdentity(node.interp, host);
    node.load();
  },
  /**
   * JSON of LineResult plus trace: string[]. A string when the line needed
   * no I/O (always, on a synchronous host), else a promise of that string
   * that settles as the firmware answers its requests. Never throws or
   * rejects: a C caller parses one shape.
   */
  evalLine(line: string, trace: boolean): string | Promise<string> {
    const lines: string[] = [];
    const json = (r: LineResult) => JSON.stringify({ ...r, trace: lines });
    try {
      if (!node) throw new Error('magni.load() was not called');
      const r = node.evaluate(line, trace ? { trace: (l) => void lines.push(l) } : undefined);
      return r instanceof Promise ? r.then(json, (e) => json(failed(e))) : json(r);
    } catch (e) {
      return json(failed(e));
    }
  },
  /** The firmware's answer to a request it started (`__magni_host.*Start(..., id)`): error '' for success. */
  settle,
  /** The node, for bundles loaded after this one (dist/board-sensors.js). */
  node: () => node,
};
