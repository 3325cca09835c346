// The QuickJS bundle (dist/board.js): the firmware registers __magni_host,
// evaluates this, then drives the node through globalThis.magni.
import './polyfills.ts'; // first: installs globals before the core evaluates
import { hostFromGlobals, settle } from '../../firmware-shims/quickjs-host.ts';
import { MagniNode, type LineResult, registerIdentity, cidToString } from '../../runtime/index.ts';
import { MimeiStore, readFile, registerMimei } from '../../runtime/mimei/index.ts';
import { fromHex, toHex } from '../../jml/xxtea.ts';

let node: MagniNode | undefined;
let store: MimeiStore | undefined;

/** A board's file chunks: 16 KiB (a 256 KiB chunk travels as 512 KiB of hex through the host ABI). */
const BOARD_CHUNK = 16 * 1024;
/** The largest file magni.mimei.get hands back (as hex, twice that on the heap). */
const BOARD_MAX_FILE = 256 * 1024;

const mimei = (): MimeiStore => {
  if (!store) throw new Error(node ? 'this firmware has no binary-file or key host functions: no Mimei store' : 'magni.load() was not called');
  return store;
};

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
    if (host.nodeKey && host.readBytes) {
      store = new MimeiStore(host, node.stateFile);
      registerMimei(node, store);
    }
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
  /**
   * The Mimei store, for the firmware (bytes travel as hex): create(db) gives
   * a MID; add(mid, hex) stores a file in 16 KiB chunks as the next version
   * and gives "CID VER"; get(mid, ver) the file's bytes (ver 0: the latest).
   */
  mimei: {
    create: (db: boolean) => mimei().create(!!db),
    add(mid: string, hex: string): string {
      const bytes = fromHex(hex);
      if (!bytes) throw new Error('magni.mimei.add: the file must be hex');
      const v = mimei().addFile(mid, [bytes], BOARD_CHUNK);
      return cidToString(v.cid) + ' ' + v.seq;
    },
    get(mid: string, ver: number): string {
      const v = mimei().version(mid, ver || undefined);
      if (!v) throw new Error(`magni.mimei.get: ${mid} has no version ${ver || ''}`.trimEnd());
      return toHex(readFile(mimei().blocks, v.cid, BOARD_MAX_FILE)).toLowerCase();
    },
  },
  /** The node, for bundles loaded after this one (dist/board-sensors.js). */
  node: () => node,
};
