// Plain request and response objects: QuickJS has no fetch classes, so the
// router speaks these and each target adapts its server to them.
export interface HttpRequest {
  method: string;
  /** The request target as sent: path plus optional ?query, still percent-encoded. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body bytes (empty for GET/HEAD). */
  body: Uint8Array;
  /** The client's address, as the adapter saw it (rate limits count per client). */
  remote?: string;
}

export interface HttpResponse {
  status: number;
  /** Header names as they should be sent; Content-Length is set by the adapter from the body sent. */
  headers: Record<string, string>;
  /** A text body (sent as UTF-8). */
  body: string;
  /** A binary body (blocks, CARs, files): when set, sent instead of body. */
  bytes?: Uint8Array;
}
