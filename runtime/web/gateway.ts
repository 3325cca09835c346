// The IPFS trustless gateway (specs.ipfs.tech/http-gateways/trustless-gateway):
// GET /ipfs/CID answers a raw block (`?format=raw`, `Accept:
// application/vnd.ipld.raw`) or a CARv1 of the DAG under CID (`?format=car`,
// `Accept: application/vnd.ipld.car`; blocks depth-first, each once). Strict:
// nothing is deserialized, so a request that asks for neither is refused
// (400 without Accept, 406 with other types). Anyone may read; every block is
// checked against its CID as it is read (the BlockStore does it), and one
// request reads at most GatewayLimits of the store.
import type { HttpResponse } from '../http.ts';
import { concatAll } from '../identity/bytes.ts';
import { type Cid, cidToString, parseCid } from '../identity/cid.ts';
import { carParts, dagBlocks, type Block } from '../mimei/car.ts';
import type { BlockStore } from '../mimei/store.ts';

/** What one request may make the node read and hold: a CAR of a 10 MB file is well within. */
export interface GatewayLimits {
  /** Bytes of blocks in one CAR (or one /mm file), at most. */
  maxBytes: number;
  /** Blocks in one CAR, at most. */
  maxBlocks: number;
}
export const GATEWAY_LIMITS: GatewayLimits = { maxBytes: 32 << 20, maxBlocks: 65536 };

export const RAW_TYPE = 'application/vnd.ipld.raw';
export const CAR_TYPE = 'application/vnd.ipld.car';
/** What a CAR answer is: CARv1, depth-first, no duplicate blocks. */
export const CAR_CONTENT_TYPE = CAR_TYPE + '; version=1; order=dfs; dups=n';
/** Content-addressed: the bytes under a CID never change. */
export const IMMUTABLE = 'public, max-age=29030400, immutable';

/** A plain-text answer to a request the gateway cannot serve (never cached: the block may come later). */
export function refusal(status: number, message: string, extra: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra },
    body: message + '\n',
  };
}

/** Bytes that may be cached for good: the headers every immutable answer carries. */
export function immutable(status: number, type: string, etag: string, bytes: Uint8Array, extra: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: {
      'Content-Type': type, 'Content-Length': String(bytes.length), 'Cache-Control': IMMUTABLE, ETag: etag, 'X-Content-Type-Options': 'nosniff', ...extra,
    },
    body: '',
    bytes,
  };
}

/** 304 when the client already holds what etag names (If-None-Match). */
export function notModified(headers: Record<string, string>, etag: string, r: HttpResponse): HttpResponse {
  const inm = headers['if-none-match'];
  if (!inm || !(inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag.replace(/^W\//, '')))) return r;
  const h = { ...r.headers };
  delete h['Content-Length'];
  return { status: 304, headers: h, body: '' };
}

type Format = 'raw' | 'car';

/** The response type asked for: ?format wins over Accept; null with the refusal when neither names one we give. */
export function formatOf(query: Map<string, string>, accept: string | undefined): Format | HttpResponse {
  const f = query.get('format');
  if (f !== undefined) {
    if (f === 'raw' || f === 'car') return f;
    return refusal(400, `format=${f.slice(0, 40)} is not served here: a trustless gateway gives format=raw (a block) or format=car (a CAR of the DAG)`);
  }
  const how = `ask for a block (?format=raw or Accept: ${RAW_TYPE}) or a CAR (?format=car or Accept: ${CAR_TYPE})`;
  if (!accept || !accept.trim()) return refusal(400, 'a trustless gateway serves no deserialized content: ' + how);
  // RFC 9110 negotiation, kept small: the listed types with q > 0, highest q first (ties: the order given)
  let best: Format | null = null;
  let bestQ = 0;
  let specific = false;
  for (const item of accept.slice(0, 2048).split(',')) {
    const [type, ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    const p = new Map(params.map((x) => [x.split('=')[0].trim(), (x.split('=')[1] || '').trim()] as [string, string]));
    const q = p.has('q') ? Number(p.get('q')) : 1;
    if (type !== '*/*' && type !== 'application/*') specific = true;
    if (!(q > 0)) continue;
    const fmt: Format | null = type === RAW_TYPE ? 'raw' : type === CAR_TYPE && (p.get('version') || '1') === '1' ? 'car' : null;
    if (fmt && q > bestQ) (best = fmt), (bestQ = q);
  }
  if (best) return best;
  return specific ? refusal(406, 'none of the types accepted is served here: ' + how) : refusal(400, 'a trustless gateway serves no deserialized content: ' + how);
}

/** The CID in a request path, or the 400 that says why it is not one. */
export function cidOfPath(text: string): Cid | HttpResponse {
  try {
    return parseCid(text);
  } catch (e) {
    return refusal(400, `not a CID: ${text.slice(0, 80)} (${(e as Error).message})`);
  }
}

/** A block's bytes, or the 404 (absent, or failed its check on disk and was removed). */
function blockOrMissing(store: BlockStore, cid: Uint8Array): Uint8Array | HttpResponse {
  const name = cidToString(cid);
  try {
    return store.getBlock(cid) ?? refusal(404, 'no block ' + name + ' here');
  } catch (e) {
    return refusal(404, 'no block ' + name + ' here: ' + (e as Error).message);
  }
}

/** The CAR of the DAG under root (only root when blockOnly), or the refusal: a missing block, or beyond the limits. */
export function carOf(store: BlockStore, root: Uint8Array, blockOnly: boolean, limits: GatewayLimits): Uint8Array | HttpResponse {
  const blocks: Block[] = [];
  let bytes = 0;
  const name = cidToString(root);
  try {
    for (const b of dagBlocks(store, root)) {
      bytes += b.bytes.length + b.cid.length;
      if (bytes > limits.maxBytes || blocks.length >= limits.maxBlocks)
        return refusal(400, `the DAG under ${name} is larger than this node serves in one CAR (${limits.maxBytes} bytes, ${limits.maxBlocks} blocks): ` +
          'fetch its blocks one by one (?format=raw, or ?format=car&dag-scope=block)');
      blocks.push(b);
      if (blockOnly) break;
    }
  } catch (e) {
    const m = (e as Error).message;
    if (!blocks.length) return refusal(404, 'no block ' + name + ' here' + (/not in the store/.test(m) ? '' : ': ' + m));
    // the root is here but not the whole DAG: say which part is missing, rather than send a CAR that stops short
    return refusal(404, `the DAG under ${name} is not whole here: ${m}`);
  }
  const parts = [...carParts([root], blocks)];
  blocks.length = 0;
  return concatAll(parts);
}

/**
 * GET (or HEAD) /ipfs/CID[/PATH]: the block or the CAR, with the headers the
 * spec asks for (Content-Type, Content-Disposition: attachment, an ETag,
 * immutable caching); 400 for a malformed CID or a path, 404 for what is not
 * here. Never throws.
 */
export function ipfsGateway(store: BlockStore, seg: string[], query: Map<string, string>, headers: Record<string, string>, limits = GATEWAY_LIMITS): HttpResponse {
  if (seg.length < 2 || !seg[1]) return refusal(400, 'GET /ipfs/CID?format=raw (a block) or /ipfs/CID?format=car (a CAR of its DAG)');
  const cid = cidOfPath(seg[1]);
  if ('status' in cid) return cid;
  const format = formatOf(query, headers.accept);
  if (typeof format !== 'string') return format;
  if (seg.length > 2 && seg.slice(2).some(Boolean)) return refusal(400, 'paths under a CID are not served here: ask for /ipfs/CID itself');
  const name = cidToString(cid.bytes);
  const common = { 'X-Ipfs-Path': '/ipfs/' + name, Vary: 'Accept' };
  if (format === 'raw') {
    const b = blockOrMissing(store, cid.bytes);
    if (!(b instanceof Uint8Array)) return b;
    const etag = `"${name}.raw"`;
    return notModified(headers, etag, immutable(200, RAW_TYPE, etag, b, { ...common, 'Content-Disposition': `attachment; filename="${name}.bin"` }));
  }
  const scope = query.get('dag-scope') || 'all';
  if (scope !== 'all' && scope !== 'entity' && scope !== 'block') return refusal(400, 'dag-scope is block, entity or all');
  if (query.has('entity-bytes')) return refusal(400, 'entity-bytes is not served here: ask for the whole DAG or dag-scope=block');
  const etag = `"${name}.car${scope === 'block' ? '.block' : ''}"`;
  const car = carOf(store, cid.bytes, scope === 'block', limits);
  if (!(car instanceof Uint8Array)) return car;
  return notModified(headers, etag, immutable(200, CAR_CONTENT_TYPE, etag, car, { ...common, 'Content-Disposition': `attachment; filename="${name}.car"` }));
}
