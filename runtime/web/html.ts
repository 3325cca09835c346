// The page layout and HTML escaping. Every page is one small self-contained
// HTML5 document: no scripts, no external resources (the node may be offline).
import type { HttpResponse } from '../http.ts';

const ENTITY: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' };

/** The seed's web escaping: `< > & ' "` become entities. */
export const esc = (s: string): string => s.replace(/[<>&'"]/g, (c) => ENTITY[c]);

/** A response that stops the request: its status, message and (for 405) allowed methods. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly allow?: string) {
    super(message);
  }
}

const CSS =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:48em;margin:0 auto;padding:0 .8em;color:#222}' +
  'nav{display:flex;flex-wrap:wrap;gap:1em;padding:.5em 0;border-bottom:1px solid #ccc}' +
  'input,textarea{width:100%;box-sizing:border-box;font:inherit}textarea{min-height:10em;font-family:monospace}' +
  'pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}' +
  'td,th{text-align:left;vertical-align:top;padding:.1em .5em .1em 0}button{margin:.4em .4em 0 0}';

const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

/** A whole page: title (plain text) and body (HTML), in the layout. */
export function page(status: number, title: string, body: string, owner: boolean, headers?: Record<string, string>): HttpResponse {
  const nav = '<a href="/">Home</a><a href="/list">Pages</a><a href="/api">API</a><a href="/help">Help</a>' +
    (owner ? '<a href="/run">Run</a><a href="/logout">Log out</a>' : '<a href="/login">Log in</a>');
  return {
    status,
    headers: { ...HEADERS, ...headers },
    body: '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
      `<title>${esc(title)} · Magni</title><style>${CSS}</style></head><body><nav>${nav}</nav><main><h1>${esc(title)}</h1>${body}</main></body></html>\n`,
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

/** A POST form: inner HTML, then one submit button per [value, label] (named action when several). */
export function form(action: string, inner: string, buttons: [string, string][]): string {
  const named = buttons.length > 1 ? ' name="action"' : '';
  return `<form method="post" action="${action}">${inner}` + buttons.map(([v, l]) => `<button${named} value="${v}">${esc(l)}</button>`).join('') + '</form>';
}

export const field = (label: string, name: string, value = '', area = false): string =>
  `<label>${esc(label)}` + (area ? `<textarea name="${esc(name)}">\n${esc(value)}</textarea>` : `<input name="${esc(name)}" value="${esc(value)}">`) + '</label>';
