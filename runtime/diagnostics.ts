// The lines a node writes to its Host's diagnostic stream: an error as
// %(ERROR:...), the form an evaluation's errors take, and a warning.
import type { Host } from './host.ts';

/** An error as evaluation output shows it. */
export const errorText = (text: string): string => '%(ERROR:' + text + ')';

export const logError = (host: Pick<Host, 'log'>, text: string): void => host.log(errorText(text));

export const logWarning = (host: Pick<Host, 'log'>, text: string): void => host.log('%WARNING: ' + text);
