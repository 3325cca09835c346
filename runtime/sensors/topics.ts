// MQTT topics, Tasmota's way (prefix/TOPIC/command): tele/ for what the
// node reports on its own, cmnd/ for commands to it, stat/ for its answers.

export interface Topics {
  /** The node's own topic (NAME in tele/NAME/SENSOR). */
  name: string;
  sensor: string;
  lwt: string;
  /** Commands arrive on cmnd/NAME/<Command>: this is cmnd/NAME/. */
  cmnd: string;
  result: string;
  /** stat/NAME/POWER, stat/NAME/POWER2, ...: add the key's suffix. */
  stat: string;
}

export function topicsOf(name: string): Topics {
  return { name, sensor: `tele/${name}/SENSOR`, lwt: `tele/${name}/LWT`, cmnd: `cmnd/${name}/`, result: `stat/${name}/RESULT`, stat: `stat/${name}/` };
}

/** A node's topic when none is given: from its ID (Tasmota's is tasmota_ and the end of the MAC). */
export const defaultTopic = (nodeId: string): string => 'magni_' + nodeId;

/** A topic NAME: letters, digits, _ and - (1 to 64): one level, no wildcards, safe in a discovery id. */
export const TOPIC_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The longest topic or filter JML may use (MQTT allows 65,535 bytes; a node has no use for that). */
export const MAX_TOPIC = 256;

/** Why topic is no topic to publish to, or '' when it is one: no wildcards, no NUL or control characters. */
export function badTopic(topic: string): string {
  if (!topic) return 'an empty topic';
  if (topic.length > MAX_TOPIC) return `a topic longer than ${MAX_TOPIC} characters`;
  if (/[\x00-\x1f\x7f]/.test(topic)) return 'a topic with control characters';
  if (/[+#]/.test(topic)) return 'a topic with a wildcard (+ or #) to publish to';
  return '';
}

/** Why filter is no subscription filter, or '': + alone in a level, # alone and last. */
export function badFilter(filter: string): string {
  if (!filter) return 'an empty filter';
  if (filter.length > MAX_TOPIC) return `a filter longer than ${MAX_TOPIC} characters`;
  if (/[\x00-\x1f\x7f]/.test(filter)) return 'a filter with control characters';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return 'a filter with # other than as its whole last level';
    if (l.includes('+') && l !== '+') return 'a filter with + other than as a whole level';
  }
  return '';
}

/** Whether topic matches filter (MQTT 3.1.1 section 4.7; a filter starting with a wildcard does not match $ topics). */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic[0] === '$' && (filter[0] === '+' || filter[0] === '#')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
