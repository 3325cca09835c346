// Reconnecting to the broker: exponential backoff from 1 s to 60 s with
// jitter, so that a hundred nodes that lost the same broker do not all
// knock again in the same second.

export const BACKOFF = { MIN_MS: 1000, MAX_MS: 60_000 };

/**
 * The wait before reconnect attempt n (0 for the first after a loss):
 * uniformly random between half and all of min * 2^(n+1), capped at max
 * and never below min. random() gives a number in [0, 1).
 */
export function reconnectDelay(attempt: number, random: () => number, maxMs = BACKOFF.MAX_MS, minMs = BACKOFF.MIN_MS): number {
  const ceiling = Math.min(maxMs, minMs * Math.pow(2, Math.min(attempt, 30) + 1));
  const floor = Math.min(ceiling, Math.max(minMs, ceiling / 2));
  return Math.round(floor + random() * (ceiling - floor));
}
