// What the inbox and the outbox remember of the messages they are done
// with, for the owner's [inbox] and [outbox]: the latest few only.
const RECENT = 50;

/** Add item to list, the oldest dropped past RECENT. */
export function keepRecent<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > RECENT) list.shift();
}
