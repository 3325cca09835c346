// The page layout and HTML escaping. Every page is one small self-contained
// HTML5 document: no scripts, no external resources (the node may be offline).
import type { HttpResponse } from '../http.ts';

const ENTITY: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' };

/** The seed's web escaping: `< > & ' "` become entities. */
export const esc = (s: string): string => s.replace(/[<>&'"]/g, (c) => ENTITY[c]);

/** A response that stops the request: its status, message and headers (Allow for a 405, Retry-After for a 429 or 503). */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers?: Record<string, string>) {
    super(message);
  }
}

// Light and dark (prefers-color-scheme), readable on a phone: nothing wider than the screen.
const CSS =
  ':root{color-scheme:light dark;--fg:#222;--bg:#fff;--dim:#f4f4f4;--line:#ccc;--link:#0645ad;--missing:#ba0000}' +
  '@media (prefers-color-scheme:dark){:root{--fg:#ddd;--bg:#161616;--dim:#262626;--line:#444;--link:#8ab4f8;--missing:#f28b82}}' +
  'body{font:16px/1.5 system-ui,sans-serif;max-width:48em;margin:0 auto;padding:0 .8em;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}' +
  'a{color:var(--link)}a.missing{color:var(--missing);text-decoration-style:dotted}' +
  'nav{display:flex;flex-wrap:wrap;gap:1em;padding:.5em 0;border-bottom:1px solid var(--line)}' +
  'input,textarea{width:100%;box-sizing:border-box;font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line)}textarea{min-height:10em;font-family:monospace}' +
  'pre{background:var(--dim);padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}' +
  'table{display:block;overflow-x:auto}td,th{text-align:left;vertical-align:top;padding:.1em .5em .1em 0}button{margin:.4em .4em 0 0}';

/** The favicon, inline (a node may be offline; nothing is fetched from elsewhere). */
const ICON = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23365'/%3E%3Cpath d='M3 12V4l5 5 5-5v8' stroke='%23fff' stroke-width='2' fill='none'/%3E%3C/svg%3E";

const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

/** A whole page: title (plain text) and body (HTML), in the layout. */
export function page(status: number, title: string, body: string, owner: boolean, headers?: Record<string, string>): HttpResponse {
  const nav = '<a href="/">Home</a><a href="/list">Pages</a><a href="/api">API</a><a href="/help">Help</a>' +
    (owner ? '<a href="/run">Run</a><a href="/logout">Log out</a>' : '<a href="/login">Log in</a>');
  return {
    status,
    headers: { ...HEADERS, ...headers },
    body: '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
      `<title>${esc(title)} · Magni</title><link rel="icon" href="${ICON}"><style>${CSS}</style></head>` +
      `<body><nav>${nav}</nav><main><h1>${esc(title)}</h1>${body}</main></body></html>\n`,
  };
}

export const text = (status: number, body: string): HttpResponse => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
  body,
});

export const redirect = (to: string, headers?: Record<string, string>): HttpResponse => ({
  status: 303,
  headers: { Location: to, 'Cache-Control': 'no-store', ...headers },
  body: '',
});

/** A link; href is already URL-safe, label plain text. */
export const link = (href: string, label: string): string => `<a href="${href}">${esc(label)}</a>`;

/** A link to a wiki page; one that does not exist yet looks different (and says so). */
export const pageLink = (id: string, exists: boolean, label = id): string =>
  exists ? link('/wiki/' + id, label) : `<a class="missing" href="/wiki/${id}" title="no page yet">${esc(label)}</a>`;

/** A POST form: inner HTML, then one submit button per [value, label] (named action when several). */
export function form(action: string, inner: string, buttons: [string, string][]): string {
  const named = buttons.length > 1 ? ' name="action"' : '';
  return `<form method="post" action="${action}">${inner}` + buttons.map(([v, l]) => `<button${named} value="${v}">${esc(l)}</button>`).join('') + '</form>';
}

export const field = (label: string, name: string, value = '', area = false): string =>
  `<label>${esc(label)}` + (area ? `<textarea name="${esc(name)}">\n${esc(value)}</textarea>` : `<input name="${esc(name)}" value="${esc(value)}">`) + '</label>';
