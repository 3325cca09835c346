// The web node on Bun: Bun.serve adapted to the router's plain request and
// response objects. Same contract as the node:http adapter in
// targets/node/web.ts: body limit (413, from Content-Length and while
// streaming), slow clients cut (408 / closed), HEAD, Content-Length always.
import type { HttpRequest, HttpResponse } from '../../runtime/http.ts';

/** What an adapter needs. handle() gets the method and the request target as sent (HEAD included). */
export interface ServeOptions {
  port: number;
  hostname: string;
  /** One request's body, at most (413 past it). */
  maxBody: number;
  /** This request's body limit (at most maxBody), from its target and headers, before any of it is read. */
  maxBodyFor?(target: string, headers: Record<string, string>): number;
  /**
   * What a small machine can afford across all clients: connections (or
   * requests in flight, on Bun) and body bytes held at once. Past either, 503
   * with Retry-After: never a crash, never memory that stays.
   */
  maxConnections: number;
  maxBodyBytes: number;
  /** The whole request (headers and body) within requestMs; headers within headersMs, and no silence longer than that. */
  requestMs: number;
  headersMs: number;
  /** stop(): requests still busy after this long are cut. */
  drainMs: number;
  handle(req: HttpRequest): Promise<HttpResponse>;
  log(line: string): void;
}

/** A running server: stop() stops accepting, lets busy requests finish, then resolves. */
export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

// Just the parts of Bun and the fetch classes used here (no @types/bun; the
// core's tsconfig has no DOM lib either).
interface BunHeaders {
  get(name: string): string | null;
  forEach(cb: (value: string, name: string) => void): void;
}
interface BunReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}
interface BunRequest {
  method: string;
  url: string;
  headers: BunHeaders;
  body: { getReader(): BunReader } | null;
}
interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  requestIP(req: BunRequest): { address: string } | null;
}
interface BunServeOptions {
  port: number;
  hostname: string;
  maxRequestBodySize: number;
  idleTimeout: number;
  development: boolean;
  reusePort: boolean;
  fetch(req: BunRequest, server: BunServer): Promise<unknown> | unknown;
  error(e: Error): unknown;
}
declare const Bun: { serve(o: BunServeOptions): BunServer };
declare const Response: new (body: Uint8Array | null, init: { status: number; headers: Record<string, string> }) => unknown;
declare function setTimeout(cb: () => void, ms: number): unknown;
declare function clearTimeout(t: unknown): void;

const encoder = /* @__PURE__ */ new TextEncoder();
declare class TextEncoder {
  encode(s: string): Uint8Array;
}

const TOO_LARGE = 413;
const TIMED_OUT = 408;
const BROKEN = 400;

function respond(r: HttpResponse, head: boolean, close: boolean): unknown {
  const body = r.bytes || encoder.encode(r.body);
  const headers: Record<string, string> = {};
  for (const k in r.headers) if (k.toLowerCase() !== 'content-length') headers[k] = r.headers[k];
  headers['Content-Length'] = String(body.length);
  if (close) headers['Connection'] = 'close';
  return new Response(head ? null : body, { status: r.status, headers });
}

function plain(status: number, text: string): HttpResponse {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text + '\n' };
}

/** Body bytes held by all requests now, against ServeOptions.maxBodyBytes. */
const held = { bytes: 0 };
const BUSY = 503;

/** The body, at most max bytes, by the deadline; else the status to answer with. Its bytes count in held while it is read. */
async function readBody(req: BunRequest, max: number, maxHeld: number, deadline: number, count: { bytes: number }): Promise<Uint8Array | number> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: unknown;
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - Date.now()));
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]).catch(() => BROKEN); // the client went away mid-body
      if (typeof next === 'number') {
        reader.cancel().catch(() => {});
        return next;
      }
      if (next.done) break;
      if (!next.value) continue;
      size += next.value.length;
      if (size > max || held.bytes + next.value.length > maxHeld) {
        reader.cancel().catch(() => {});
        return size > max ? TOO_LARGE : BUSY;
      }
      held.bytes += next.value.length;
      count.bytes += next.value.length;
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}

export async function serveBun(o: ServeOptions): Promise<RunningServer> {
  const busy = { ...plain(BUSY, 'the node is busy; try again in a few seconds'), headers: { ...plain(0, '').headers, 'Retry-After': '5' } };
  let inFlight = 0;

  async function serveOne(req: BunRequest, srv: BunServer, count: { bytes: number }): Promise<unknown> {
    const deadline = Date.now() + o.requestMs;
    const head = req.method === 'HEAD';
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(req.url);
    const target = m ? req.url.slice(m[0].length) || '/' : req.url;
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = k in headers ? headers[k] + ', ' + v : v;
    });
    const max = o.maxBodyFor ? o.maxBodyFor(target, headers) : o.maxBody;
    const tooLarge = plain(413, `request body too large (at most ${max} bytes)`);
    const length = req.headers.get('content-length');
    if (length !== null && Number(length) > max) return respond(tooLarge, head, true);
    const body = await readBody(req, max, o.maxBodyBytes, deadline, count);
    if (typeof body === 'number')
      return respond(body === TOO_LARGE ? tooLarge : body === BUSY ? busy : body === TIMED_OUT ? plain(408, 'request timeout') : plain(400, 'bad request body'), head, true);
    return respond(await o.handle({ method: req.method, url: target, headers, body, remote: srv.requestIP(req)?.address }), head, false);
  }

  const server = Bun.serve({
    port: o.port,
    hostname: o.hostname,
    // Bun's own 413 has no Content-Length and no text: the limit is enforced
    // below instead (from Content-Length, then while streaming); this is a backstop.
    maxRequestBodySize: 64 * o.maxBody,
    // Seconds without a byte before Bun drops the connection (also a client stuck in its headers).
    idleTimeout: Math.max(1, Math.round(o.headersMs / 1000)),
    development: false,
    // Bun 1.x binds with SO_REUSEPORT unless told not to when development is false:
    // a second server on the same port would start and silently share it.
    reusePort: false,
    // Bun does not say how many connections it holds: requests in flight are capped instead.
    async fetch(req, srv) {
      if (inFlight >= o.maxConnections) return respond(busy, req.method === 'HEAD', true);
      inFlight++;
      const count = { bytes: 0 };
      try {
        return await serveOne(req, srv, count);
      } finally {
        inFlight--;
        held.bytes -= count.bytes;
      }
    },
    error(e) {
      o.log('run: web: ' + (e?.stack || e));
      return respond(plain(500, 'internal error'), false, true);
    },
  });
  return {
    port: server.port,
    stop: async () => {
      let timer: unknown;
      await Promise.race([
        Promise.resolve(server.stop(false)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, o.drainMs);
        }),
      ]);
      clearTimeout(timer);
      await server.stop(true);
    },
  };
}
