// `run -w PORT` and `run key`: the node's key file, and the web node served
// by node:http (on Bun, by the Bun.serve adapter in targets/bun/serve.ts).
// The router (runtime/web) is pure; this file only speaks HTTP for it.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync, writeSync } from 'node:fs';
import { readOrCreateSecret } from './secret-file.ts';
import { randomBytes } from 'node:crypto';
import { MagniNode, nodeIdentity } from '../../runtime/index.ts';
import { idText } from '../../runtime/node-identity.ts';
import type { HttpRequest, HttpResponse } from '../../runtime/http.ts';
import { WebNode, MAX_BODY } from '../../runtime/web/index.ts';
import { sealUpgrade } from '../../runtime/web/upgrade.ts';
import { type CliOptions, identityFile, stateFilesOf } from './cli.ts';
import { baseUrl, Messenger } from '../../runtime/messages/index.ts';
import { bootstrapFrom } from '../../runtime/messages/bootstrap.ts';
import { registerReports } from '../../runtime/messages/reports.ts';
import { RingService } from '../../runtime/chord/service.ts';
import { ringOfShortId } from '../../runtime/identity/index.ts';
import { MimeiNet, MimeiStore, registerMimei, registerMimeiNet, ringDht } from '../../runtime/mimei/index.ts';
import type { RunningServer, ServeOptions } from '../bun/serve.ts';
import { nodeHost } from './host.ts';
import { lockStateFile } from './lock.ts';
import { announceServer } from './forward.ts';

const err = (line: string) => writeSync(2, line + '\n');

/**
 * Slow clients: headers within HEADERS_MS, the whole request within
 * REQUEST_MS, and a connection silent for HEADERS_MS is dropped; an idle
 * keep-alive connection after KEEP_ALIVE_MS.
 */
export const TIMEOUTS = { HEADERS_MS: 10_000, REQUEST_MS: 30_000, KEEP_ALIVE_MS: 5_000 };
/** After SIGTERM, connections still busy this long are cut. */
const DRAIN_MS = 5_000;
/** What all clients together may hold of the node: connections, and request-body bytes buffered. */
export const LIMITS = { CONNECTIONS: 128, BODY_BYTES: 8 << 20 };

// ---- the key --------------------------------------------------------------

const KEY_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_RE = /^[A-Za-z0-9]{16}$/;

/** 16 characters [A-Za-z0-9], uniformly (bytes >= 248 are dropped, so no modulo bias). */
export function newKey(): string {
  let key = '';
  while (key.length < 16) for (const b of randomBytes(32)) if (b < 248 && key.length < 16) key += KEY_CHARS[b % 62];
  return key;
}

/** The key in `file`, created (mode 0600) when there is none; a file that does not hold a key is an error. */
export function readOrCreateKey(file: string): string {
  const text = readOrCreateSecret(file, 'key', () => newKey() + '\n', (t) => (KEY_RE.test(t.replace(/\r?\n$/, '')) ? '' : 'does not hold a key (16 characters A-Z, a-z, 0-9)'));
  return text.replace(/\r?\n$/, '');
}

// ---- shared by both adapters ---------------------------------------------

/**
 * The request target as the router wants it: a path (plus query), with bytes
 * outside printable ASCII percent-encoded. Absolute-form targets
 * (`http://host/p`) are reduced to their path; anything else (`*`, garbage)
 * is null.
 */
export function requestPath(target: string): string | null {
  let t = target;
  if (t[0] !== '/') {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(t);
    if (!m) return null;
    t = t.slice(m[0].length) || '/';
    if (t[0] !== '/') return null;
  }
  return /[^\x21-\x7e]/.test(t) ? t.replace(/[^\x21-\x7e]/g, pct) : t;
}

/** Servers hand over the target as Latin-1 text, one char per byte; a char above 0xFF is already text: its UTF-8. */
function pct(c: string): string {
  const b = c.charCodeAt(0);
  return b > 0xff ? encodeURIComponent(c) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
}

export function plain(status: number, text: string): HttpResponse {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text + '\n' };
}

/**
 * What both adapters call: the target made a path, HEAD answered as GET (the
 * adapter drops the body), and a bug in the router a 500, never a dead server.
 */
export function routerHandler(web: { handle(req: HttpRequest): Promise<HttpResponse> }, log: (line: string) => void) {
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const url = requestPath(req.url);
    if (url === null) return plain(400, 'bad request target');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    try {
      return await web.handle({ method, url, headers: req.headers, body: req.body, remote: req.remote });
    } catch (e) {
      log('run: web: ' + method + ' ' + url + ': ' + ((e as Error)?.stack || e));
      return plain(500, 'internal error');
    }
  };
}

// ---- node:http --------------------------------------------------------------

function rawResponse(status: number, text: string, extra = ''): string {
  const body = text + '\n';
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] || 'Error'}\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n` +
    body
  );
}

/** Come back later: the node is at its limits (connections, or body bytes held). */
const BUSY = { status: 503, text: 'the node is busy; try again in a few seconds', retryAfter: '5' };

/** What all connections share: how many there are, and the request-body bytes they hold. */
interface Shared {
  connections: number;
  bodyBytes: number;
}

/**
 * One connection's requests, handled one at a time: the next waits until
 * the last response is written and the socket has drained, so a client that
 * pipelines requests and reads nothing makes the node hold one response, not
 * thousands. Past a few waiting requests, the socket is not read.
 */
interface Turn {
  busy: boolean;
  draining: boolean;
  waiting: (() => void)[];
}
const PIPELINED = 4;
const turns = new WeakMap<Socket, Turn>();
/** Connections over the cap: answered 503 and closed; whatever they send is not handled. */
const turnedAway = new WeakSet<Socket>();

function takeTurn(o: ServeOptions, shared: Shared, req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  if (turnedAway.has(socket)) {
    res.destroy();
    return;
  }
  let turn = turns.get(socket);
  if (!turn) turns.set(socket, (turn = { busy: false, draining: false, waiting: [] }));
  const t = turn;
  let done = false;
  const finished = () => {
    if (done) return;
    done = true;
    t.busy = false;
    nextTurn(t, socket);
  };
  res.once('finish', finished);
  res.once('close', finished);
  t.waiting.push(() => onRequest(o, shared, req, res));
  if (t.waiting.length > PIPELINED) socket.pause();
  nextTurn(t, socket);
}

function nextTurn(t: Turn, socket: Socket): void {
  if (t.busy || t.draining) return;
  if (!t.waiting.length) {
    if (socket.isPaused() && !socket.destroyed) socket.resume();
    return;
  }
  if (socket.writableNeedDrain) {
    t.draining = true;
    socket.once('drain', () => {
      t.draining = false;
      nextTurn(t, socket);
    });
    return;
  }
  t.busy = true;
  (t.waiting.shift() as () => void)();
}

/** Stop reading a connection we are done with: send what is queued, then close; cut it if the peer lingers. */
function closeSoon(socket: Socket): void {
  socket.end();
  socket.resume(); // drain (and drop) what the client still sends, so the close is a FIN, not a reset
  setTimeout(() => socket.destroy(), 2_000).unref();
}

/**
 * Stop a connection whose upload was refused: nothing more of it is read
 * (reading a body only to drop it costs what the refusal saves); the answer
 * goes out and the connection is cut soon after, a reset if the client is
 * still sending.
 */
function cutUpload(socket: Socket): void {
  socket.pause();
  socket.end();
  setTimeout(() => socket.destroy(), 1_000).unref();
}

export function serveNode(o: ServeOptions): Promise<RunningServer> {
  const server = createServer(
    {
      maxHeaderSize: 16 * 1024,
      headersTimeout: o.headersMs,
      requestTimeout: o.requestMs,
      keepAliveTimeout: TIMEOUTS.KEEP_ALIVE_MS,
      // How often node:http checks the two timeouts above (default 30 s); a timer, not a busy loop.
      connectionsCheckingInterval: 1_000,
      joinDuplicateHeaders: true,
    },
    (req, res) => takeTurn(o, shared, req, res),
  );
  const shared: Shared = { connections: 0, bodyBytes: 0 };
  server.on('connection', (socket: Socket) => {
    if (shared.connections >= o.maxConnections) {
      // answered and closed without reading a byte of it: reading what it sends would cost what the cap saves
      turnedAway.add(socket);
      socket.write(rawResponse(BUSY.status, BUSY.text, `Retry-After: ${BUSY.retryAfter}\r\n`));
      cutUpload(socket);
      return;
    }
    shared.connections++;
    socket.once('close', () => shared.connections--);
  });
  // A connection silent this long (no request yet, or a body that stalled) is dropped.
  server.timeout = o.headersMs;
  // `Expect: 100-continue`: no go-ahead for a body that will be refused anyway.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!(Number(req.headers['content-length']) > bodyLimit(o, req))) res.writeContinue();
    takeTurn(o, shared, req, res);
  });
  server.on('clientError', (e: NodeJS.ErrnoException, socket: Socket) => {
    const busy = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (e.code === 'ECONNRESET' || e.code === 'EPIPE' || !socket.writable || busy?.headersSent) {
      socket.destroy();
      return;
    }
    const status =
      e.code === 'HPE_HEADER_OVERFLOW' ? 431
      : e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408
      : e.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413
      : 400;
    socket.write(rawResponse(status, status === 408 ? 'request timeout' : status === 431 ? 'request headers too large' : 'bad request'));
    closeSoon(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.hostname, () => {
      server.off('error', reject);
      server.on('error', (e) => o.log('run: web: ' + e.message));
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : o.port,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => {
              server.closeAllConnections();
              done();
            }, o.drainMs).unref();
          }),
      });
    });
  });
}

/** A request's body limit: what the router allows this target and these headers (an owner may send more). */
function bodyLimit(o: ServeOptions, req: IncomingMessage): number {
  return o.maxBodyFor ? o.maxBodyFor(req.url || '', headersOf(req)) : o.maxBody;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const k in req.headers) {
    const v = req.headers[k];
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return headers;
}

function onRequest(o: ServeOptions, shared: Shared, req: IncomingMessage, res: ServerResponse): void {
  req.on('error', () => {}); // an aborted upload: the socket goes, the server stays
  res.on('error', () => {});
  const send = (r: HttpResponse, close = false) => {
    const body = r.bytes ? Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.length) : Buffer.from(r.body, 'utf8');
    const headers: Record<string, string> = {};
    for (const k in r.headers) if (k.toLowerCase() !== 'content-length') headers[k] = r.headers[k];
    headers['Content-Length'] = String(body.length);
    if (close) headers['Connection'] = 'close';
    res.writeHead(r.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const max = bodyLimit(o, req);
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > max) {
    send(plain(413, `request body too large (at most ${max} bytes)`), true);
    res.on('finish', () => cutUpload(req.socket));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  // the body's bytes count against what all connections may hold; given back when the request ends
  const refuse = (r: HttpResponse) => {
    over = true;
    chunks.length = 0;
    send(r, true);
    res.on('finish', () => cutUpload(req.socket));
  };
  res.once('close', () => (shared.bodyBytes -= size));
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    if (size + chunk.length > max) return refuse(plain(413, `request body too large (at most ${max} bytes)`));
    if (shared.bodyBytes + chunk.length > o.maxBodyBytes) return refuse({ ...plain(BUSY.status, BUSY.text), headers: { ...plain(0, '').headers, 'Retry-After': BUSY.retryAfter } });
    size += chunk.length;
    shared.bodyBytes += chunk.length;
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (over || res.headersSent) return;
    const headers = headersOf(req);
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    o.handle({ method: req.method || 'GET', url: req.url || '', headers, body: new Uint8Array(body.buffer, body.byteOffset, body.length), remote: req.socket.remoteAddress }).then(
      (r) => send(r),
      () => send(plain(500, 'internal error')),
    );
  });
}

// ---- the command ------------------------------------------------------------

export async function webMain(o: CliOptions): Promise<number> {
  const opts = { stateFiles: o.stateFiles, quiet: o.quiet, maxSteps: o.maxSteps, maxOutput: o.maxOutput, maxTime: o.maxTime };
  const stateFile = stateFilesOf(o).at(-1) as string;
  const node = new MagniNode(nodeHost(err, { keyFile: identityFile(stateFile), keyType: o.keyType }), opts);
  if (o.command === 'id') {
    try {
      process.stdout.write(idText(nodeIdentity(node.host)));
      return 0;
    } catch (e) {
      err('run: ' + (e as Error).message);
      return 1;
    }
  }
  const keyFile = node.stateFile + '.key';
  let key: string;
  try {
    key = readOrCreateKey(keyFile);
  } catch (e) {
    err('run: ' + (e as Error).message);
    return 1;
  }
  if (o.command === 'key') {
    process.stdout.write(key + '\n');
    return 0;
  }
  if (o.command === 'upgrade') {
    // the program on stdin, sealed with the key and the time (a counter the node must not have seen)
    process.stdout.write(sealUpgrade(readFileSync(0, 'utf8').replace(/\r\n?/g, '\n').replace(/\n+$/, ''), key, Date.now()) + '\n');
    return 0;
  }
  const lock = lockStateFile(node.stateFile);
  if (!lock.held) {
    err(`run: ${node.stateFile} is in use by another Magni process (pid ${lock.holder}); one server per state file (if none runs, remove ${lock.file})`);
    return 1;
  }
  node.load();
  let messenger: Messenger;
  try {
    messenger = new Messenger(node, { maxTime: o.maxTime });
    registerReports(messenger);
    messenger.start();
  } catch (e) {
    err('run: ' + (e as Error).message);
    return 1;
  }
  // the Mimei store beside the state file (STATE.blocks/, STATE.mimei), and its [mm-*] builtins
  const mimei = new MimeiStore(node.host, node.stateFile);
  registerMimei(node, mimei);
  // The sensor node (sensor options, --mqtt): its readings, broker and builtins, beside the web server or alone.
  let sensors: import('../../runtime/sensors/index.ts').SensorNode | undefined;
  if (o.sensors.wanted) {
    try {
      sensors = (await import('./sensors.ts')).startSensorNode(node, o.sensors, err);
    } catch (e) {
      err('run: ' + (e as Error).message);
      return 1;
    }
  }
  if (o.web === null) return untilStopped(() => (messenger.stop(), sensors ? sensors.stop() : Promise.resolve()));
  const port = o.web ?? 1111;
  // The session cookie is named per port: a browser sends one host's cookies to all its ports.
  // its place on the ring: other nodes reach it at the address it serves on
  const ring = new RingService(node, { url: `http://${/:/.test(o.listen) ? `[${o.listen}]` : o.listen}:${port}` });
  // [send ID ...] to a node this one has not met: the ring finds it at its own position
  messenger.locate = (id) => ring.route(ringOfShortId(id)).then((r) => (r.id === id ? r.url : undefined));
  // the Mimei on the network: provider records in the ring's DHT, blocks from providers, notifications by message
  const mimeiNet = new MimeiNet(mimei, {
    dht: ringDht(ring.dht, node.host as Required<typeof node.host>),
    url: ring.opts.url,
    id: messenger.identity().shortId,
    send: (id, url, body) => (messenger.learn(id, url), messenger.outbox.send({ id }, body)),
    log: err,
  });
  registerMimeiNet(node, mimeiNet, messenger);
  const web = new WebNode(node, { key, keyFile, cookie: 'magni_' + port, publicWiki: o.publicWiki, maxSteps: o.maxSteps, maxTime: o.maxTime, messenger, sensors, ring, mimei });
  const hostname = o.listen;
  const serveOpts: ServeOptions = {
    port,
    hostname,
    maxBody: MAX_BODY,
    // a node may be a Pi or smaller: at most this many clients, and this many bytes of bodies held at once
    maxConnections: LIMITS.CONNECTIONS,
    maxBodyBytes: LIMITS.BODY_BYTES,
    headersMs: TIMEOUTS.HEADERS_MS,
    requestMs: TIMEOUTS.REQUEST_MS,
    drainMs: DRAIN_MS,
    handle: routerHandler(web, err),
    maxBodyFor: (target, headers) => web.maxBodyFor(target, headers),
    log: err,
  };
  let server: RunningServer;
  try {
    server =
      'Bun' in globalThis ? await (await import('../bun/serve.ts')).serveBun(serveOpts) : await serveNode(serveOpts);
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    const inUse = x.code === 'EADDRINUSE' || /in use|EADDRINUSE/i.test(String(x.message));
    err(
      inUse ? `run: port ${serveOpts.port} on ${hostname} is already in use (pick another with -w PORT)`
      : `run: cannot serve on ${hostname}:${serveOpts.port}: ${x.message}`,
    );
    return 1;
  }
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  // where `run mimei` forwards its writes while this process holds the store (targets/node/forward.ts)
  const local = hostname === '0.0.0.0' ? '127.0.0.1' : hostname === '::' ? '[::1]' : host;
  let unannounce = () => {};
  try {
    unannounce = announceServer(node.stateFile, `http://${local}:${server.port}`);
    process.on('exit', () => unannounce());
  } catch (e) {
    err(`run: warning: cannot write ${node.stateFile}.url (${(e as Error).message}): run mimei cannot forward its writes to this server`);
  }
  // the line that says the node serves comes last: whoever waits for it has the others
  err(`node ${messenger.identity().shortId} (${messenger.identity().peerId})`);
  if (!/^(127\.|::1$|localhost$)/.test(hostname))
    err(`run: warning: serving on ${hostname}, beyond this machine: whoever holds the key in ${keyFile} is the owner; keep it secret`);
  err(`Magni web node on http://${host}:${server.port}/ (key in ${keyFile})`);
  if (o.bootstrap) bootstrap(messenger, o.bootstrap);
  ring.start(o.bootstrap && baseUrl(o.bootstrap), err);
  reprovide(mimeiNet, mimei.list().filter((mid) => mimei.last(mid) > 0).length);
  return untilStopped(() => (unannounce(), messenger.stop(), ring.stop(), Promise.all([server.stop(), sensors && sensors.stop()]).then(() => {})));
}

/** Run until SIGINT or SIGTERM, then stop (the sensor node says Offline, the server drains) and exit 0. */
export function untilStopped(stop: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      stop().then(() => {
        resolve(0);
        // Nothing should be left to wait for; if something is, do not hang on it.
        setTimeout(() => process.exit(0), 500).unref();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Learn the bootstrap node and the nodes it knows; while it does not answer, try again (2 s, doubling to a minute). */
/**
 * After a start, provide the Mimei held with a version again (this process has no records in
 * the DHT yet): once the ring has had time to form, then again with backoff
 * (5 s to 80 s) until every one was stored somewhere.
 */
function reprovide(net: MimeiNet, held: number, wait = 5000): void {
  if (!held) return;
  setTimeout(() => {
    void net.provideAll().then((n) => {
      if (n < held && wait < 80_000) reprovide(net, held, wait * 2);
    });
  }, wait).unref();
}

function bootstrap(m: Messenger, url: string, wait = 2000): void {
  bootstrapFrom(m, url).then(
    () => err(`run: bootstrapped from ${url}: ${m.peers.size} nodes known`),
    (e) => {
      err(`run: warning: bootstrap from ${url} failed (${(e as Error).message}); trying again in ${wait / 1000} s`);
      setTimeout(() => bootstrap(m, url, Math.min(60_000, wait * 2)), wait).unref();
    },
  );
}
