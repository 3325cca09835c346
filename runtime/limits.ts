// Rate limits: at most `limit` events per window, per client and overall.
// Memory is bounded: at most maxClients clients are tracked (the one seen
// longest ago is forgotten first).
export class RateLimit {
  private seen = new Map<string, number[]>();
  private all: number[] = [];

  constructor(
    private readonly now: () => number,
    private readonly perClient: number,
    private readonly overall: number,
    private readonly windowMs = 60_000,
    private readonly maxClients = 4096,
  ) {}

  /** Milliseconds until client may do it again (0: now), without counting anything. */
  waiting(client: string): number {
    const t = this.now();
    const since = t - this.windowMs;
    const mine = (this.seen.get(client) || []).filter((x) => x > since);
    this.all = this.all.filter((x) => x > since);
    return Math.max(
      mine.length >= this.perClient ? mine[0] + this.windowMs - t : 0,
      this.all.length >= this.overall ? this.all[0] + this.windowMs - t : 0,
    );
  }

  /** Milliseconds until client may do it again, or 0 (the event is then counted). */
  take(client: string): number {
    const wait = this.waiting(client);
    if (wait > 0) return wait;
    const t = this.now();
    const mine = (this.seen.get(client) || []).filter((x) => x > t - this.windowMs);
    mine.push(t);
    this.all.push(t);
    this.seen.delete(client); // re-insert: the Map's order is "seen longest ago" first
    this.seen.set(client, mine);
    if (this.seen.size > this.maxClients) this.seen.delete(this.seen.keys().next().value as string);
    return 0;
  }
}
