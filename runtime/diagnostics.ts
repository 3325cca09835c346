// The lines a node writes to its Host's diagnostic stream: an error as
// %(ERROR:...), the form an evaluation's errors take, and a warning.
import type { Host } from './host.ts';

export const logError = (host: Pick<Host, 'log'>, text: string): void => host.log('%(ERROR:' + text + ')');

export const logWarning = (host: Pick<Host, 'log'>, text: string): void => host.log('%WARNING: ' + text);
