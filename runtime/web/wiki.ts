// The seed's wiki markup, on text already HTML-escaped: `=h1=` .. `====h4====`
// (a whole line), `__bold__`, `//italic//`, `{{link}}`, `-` list items, and
// blank lines between paragraphs.
import { esc } from './html.ts';

/** Page IDs: what /wiki/ID, /edit/ID and {{ID}} accept. */
export const ID = /^[\w-]{1,64}$/;

// One pass, so a link's href is never rewritten by bold or italic; `://` is not italic.
const inline = (s: string): string =>
  s.replace(/\{\{([\w-]{1,64})\}\}|__(.+?)__|(?<!:)\/\/(.+?)\/\//g, (_, l, b, i) =>
    l ? `<a href="/wiki/${l}">${l}</a>` : b ? `<b>${inline(b)}</b>` : `<i>${inline(i)}</i>`);

/** Render plain text (a page's output) as HTML. */
export function markup(text: string): string {
  let out = '';
  let block = '';
  let items: string[] = [];
  const close = () => {
    if (items.length) out += block === 'ul' ? '<ul><li>' + items.join('</li><li>') + '</li></ul>' : '<p>' + items.join('\n') + '</p>';
    items = [];
  };
  for (let line of esc(text).split('\n')) {
    line = line.trim();
    const h = /^(={1,4})([^=].*?)\1$/.exec(line);
    const kind = !line || h ? '' : line[0] === '-' ? 'ul' : 'p';
    if (kind !== block || !kind) close();
    block = kind;
    if (h) out += `<h${h[1].length}>${inline(h[2].trim())}</h${h[1].length}>`;
    else if (kind) items.push(inline(kind === 'ul' ? line.slice(1).trim() : line));
  }
  close();
  return out;
}
