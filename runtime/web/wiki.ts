// The seed's wiki markup, on text already HTML-escaped: `=h=` .. `====h====`
// (a whole line; the page's title is its one H1, so these are H2 to H5),
// `__bold__`, `//italic//`, `{{link}}`, `-` list items, and blank lines
// between paragraphs.
import { esc, pageLink } from './html.ts';

/** Page IDs: what /wiki/ID, /edit/ID and {{ID}} accept. */
export const ID = /^[\w-]{1,64}$/;

/** Render plain text (a page's output) as HTML; exists tells which pages a {{link}} finds. */
export function markup(text: string, exists: (id: string) => boolean = () => true): string {
  // One pass, so a link's href is never rewritten by bold or italic; `://` is not italic.
  const inline = (s: string): string =>
    s.replace(/\{\{([\w-]{1,64})\}\}|__(.+?)__|(?<!:)\/\/(.+?)\/\//g, (_, l, b, i) =>
      l ? pageLink(l, exists(l)) : b ? `<b>${inline(b)}</b>` : `<i>${inline(i)}</i>`);
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
    if (h) out += `<h${h[1].length + 1}>${inline(h[2].trim())}</h${h[1].length + 1}>`;
    else if (kind) items.push(inline(kind === 'ul' ? line.slice(1).trim() : line));
  }
  close();
  return out;
}
