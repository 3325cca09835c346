// GET /mm/MID and /mm/MID/VER: a Mimei's content as a plain HTTP resource,
// for anyone. A file Mimei's bytes (application/octet-stream), a database
// as JSON. A given version never changes (cached for good); the latest may
// (revalidated each time: its ETag is the content's CID). The version
// record is checked (owner's signature) and every block against its CID.
import type { HttpResponse } from '../http.ts';
import { cidToString } from '../identity/cid.ts';
import { isShortId } from '../identity/shortId.ts';
import { dbOf } from '../mimei/db.ts';
import { readFile } from '../mimei/file.ts';
import type { MimeiStore } from '../mimei/mimei.ts';
import { utf8Encode } from '../../jml/utf8.ts';
import { type GatewayLimits, IMMUTABLE, notModified, refusal } from './gateway.ts';

export function mimeiResource(store: MimeiStore, seg: string[], headers: Record<string, string>, limits: GatewayLimits): HttpResponse {
  const [, mid, ver] = seg;
  if (seg.length > 3 || !mid) return refusal(404, 'GET /mm/MID (the latest version) or /mm/MID/VER');
  if (!isShortId(mid)) return refusal(400, 'not a Mimei ID (27 letters, digits, _ or -): ' + mid.slice(0, 40));
  if (ver !== undefined && !/^[1-9]\d{0,14}$/.test(ver)) return refusal(400, 'a version is a number from 1: ' + ver.slice(0, 20));
  if (store.list().indexOf(mid) < 0) return refusal(404, 'no Mimei ' + mid + ' here');
  try {
    const seq = ver === undefined ? store.last(mid) : +ver;
    const v = seq ? store.version(mid, seq) : null;
    if (!v) return refusal(404, ver === undefined ? mid + ' has no version yet' : `${mid} has no version ${ver} here (latest: ${store.last(mid)})`);
    const cid = cidToString(v.cid);
    const db = store.genesis(mid).db;
    const bytes = db ? utf8Encode(JSON.stringify(dbOf(store, mid, seq)) + '\n') : readFile(store.blocks, v.cid, limits.maxBytes);
    const etag = `"${cid}"`;
    const r: HttpResponse = {
      status: 200,
      headers: {
        'Content-Type': db ? 'application/json; charset=utf-8' : 'application/octet-stream',
        'Content-Length': String(bytes.length),
        'Cache-Control': ver === undefined ? 'no-cache' : IMMUTABLE,
        ETag: etag,
        'X-Content-Type-Options': 'nosniff',
        'X-Mimei-Version': String(seq),
        'X-Mimei-Cid': cid,
        ...(ver === undefined ? { 'Content-Location': `/mm/${mid}/${seq}` } : {}),
      },
      body: '',
      bytes,
    };
    return notModified(headers, etag, r);
  } catch (e) {
    const m = (e as Error).message;
    if (/more than \d+ bytes/.test(m)) return refusal(400, `${mid}: ${m}, more than this node serves in one answer: fetch its blocks from /ipfs`);
    if (/not in the store|corrupted on disk/.test(m)) return refusal(404, `${mid} is not whole here: ${m}`);
    return refusal(500, `${mid}: ${m}`);
  }
}
