// The web node: a pure router from plain requests to responses (runtime/http.ts).
export { WebNode, MAX_BODY, VISITOR_BODY, type WebOptions } from './router.ts';
export { markup } from './wiki.ts';
export { esc } from './html.ts';
