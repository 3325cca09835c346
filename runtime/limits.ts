// Rate limits: at most so many events a minute, per client and overall.
// Memory is bounded: at most MAX_CLIENTS clients are tracked (the one seen
// longest ago is forgotten first).
const WINDOW_MS = 60_000;
const MAX_CLIENTS = 4096;

export class RateLimit {
  private byClient = new Map<string, number[]>();
  private allEvents: number[] = [];

  constructor(
    private readonly readClock: () => number,
    private readonly perClient: number,
    private readonly overall: number,
  ) {}

  /** Milliseconds until client may do it again (0: now), without counting anything. */
  waiting(client: string): number {
    return this.assess(client)[0];
  }

  /** Milliseconds until client may do it again, or 0 (the event is then counted). */
  take(client: string): number {
    const [wait, mine, t] = this.assess(client);
    if (wait > 0) return wait;
    mine.push(t);
    this.allEvents.push(t);
    this.byClient.delete(client); // re-insert: the Map's order is "seen longest ago" first
    this.byClient.set(client, mine);
    if (this.byClient.size > MAX_CLIENTS) this.byClient.delete(this.byClient.keys().next().value as string);
    return 0;
  }

  /** The wait for client now, its events within the window, and now (events that left the window are dropped overall). */
  private assess(client: string): [number, number[], number] {
    const t = this.readClock();
    const since = t - WINDOW_MS;
    const mine = (this.byClient.get(client) || []).filter((x) => x > since);
    this.allEvents = this.allEvents.filter((x) => x > since);
    const wait = Math.max(
      mine.length >= this.perClient ? mine[0] + WINDOW_MS - t : 0,
      this.allEvents.length >= this.overall ? this.allEvents[0] + WINDOW_MS - t : 0,
    );
    return [wait, mine, t];
  }
}
