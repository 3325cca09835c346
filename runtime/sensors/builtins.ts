// The JML builtins of a sensor node, added through the interpreter's
// hostBuiltins (the core's builtins stay generic):
//   [sensors]            the sensors' names
//   [sensor NAME]        its value now (waits for the read: the node goes on)
//   [gpio-set NAME 1]    drive an output          (capability: outputs)
//   [publish TOPIC TEXT] publish TEXT, QoS 1      (capability: outputs)
//   [subscribe TOPIC]    on-mqtt gets its messages (capability: network)
//   [unsubscribe TOPIC]
// Errors are rejections whose message names the builtin: the same text on
// Node and on the board, whichever bundle's classes threw them.
import type { Builtin } from '../../jml/builtins.ts';
import { headRest, unescapeOutput, words } from '../../jml/text.ts';
import type { SensorNode } from './node.ts';
import { badFilter, badTopic } from './topics.ts';

const prefixed = (name: string, e: Error): string => (e.message.startsWith(name + ':') ? e.message : name + ': ' + e.message);

/** A rejected pending result (the evaluation shows it as %(ERROR:why)). */
const refuse = (why: string): Promise<string> => Promise.reject(new Error(why));

/** The largest message [publish] sends (MQTT allows 256 MB; a small broker does not). */
export const MAX_PUBLISH = 64 * 1024;

export function sensorBuiltins(s: SensorNode): [string, Builtin][] {
  const subscription = (name: string, on: boolean): Builtin => (a, it) => {
    it.need('network', name);
    const filter = headRest(a)[0];
    const bad = badFilter(filter) || (/ /.test(headRest(a)[1].trim()) ? 'a filter with spaces' : '');
    if (bad) return refuse(`${name}: ${bad}`);
    s.subscribe(filter, (list) => it.define('data-mqtt-subscriptions', '', list, name), on);
    return '';
  };
  return [
    ['sensors', () => s.list().map((i) => i.name + ' ').join('')],
    ['sensor', (a, it) => s.within(it.timeLeft(), s.value(headRest(a)[0]), 'sensor').then(String)],
    ['gpio-set', (a, it) => {
      it.need('outputs', 'gpio-set');
      const [name, v] = words(a);
      if (v !== '0' && v !== '1') return refuse('gpio-set: the value is 0 or 1, as in [gpio-set NAME 1]');
      return s.within(it.timeLeft(), s.setOutput(name || '', +v), 'gpio-set').then(() => v, (e: Error) => refuse(prefixed('gpio-set', e)));
    }],
    ['publish', (a, it) => {
      it.need('outputs', 'publish');
      const [topic, text] = headRest(a);
      const bad = badTopic(topic);
      if (bad) return refuse('publish: ' + bad);
      const payload = unescapeOutput(text);
      if (payload.length > MAX_PUBLISH) return refuse(`publish: a message of more than ${MAX_PUBLISH} characters`);
      return s.within(it.timeLeft(), s.publish(topic, payload), 'publish').then(() => '', (e: Error) => refuse(prefixed('publish', e)));
    }],
    ['subscribe', subscription('subscribe', true)],
    ['unsubscribe', subscription('unsubscribe', false)],
  ];
}
