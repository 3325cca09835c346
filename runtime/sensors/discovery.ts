// Home Assistant MQTT discovery, device-based (Home Assistant 2024.11 and
// later): one retained config on homeassistant/device/<id>/config describes
// the node (dev), who made the config (o) and each sensor (cmps), with the
// state, availability and command topics Tasmota-style. Home Assistant
// announces its start with `online` on homeassistant/status; the node
// publishes the config again then.
import type { SensorInfo } from './model.ts';
import { powerKey } from './tasmota.ts';
import type { Topics } from './topics.ts';

export const HA_STATUS = 'homeassistant/status';

export interface DiscoveryOptions {
  /** The node's ID: the device identifier and the start of every unique_id. */
  nodeId: string;
  topics: Topics;
  /** Magni's version (origin and device software). */
  version: string;
  prefix?: string;
}

export const discoveryTopic = (o: { nodeId: string; prefix?: string }): string => `${o.prefix || 'homeassistant'}/device/${safeId(o.nodeId)}/config`;

/** An id for discovery topics and unique_ids: letters, digits, _ and - only. */
const safeId = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');

/** Jinja access to a key of value_json; bracketed, since names hold - and . */
const field = (...keys: string[]): string => '{{ value_json' + keys.map((k) => `[${JSON.stringify(k).replace(/"/g, "'")}]`).join('') + ' }}';

export function discoveryPayload(sensors: SensorInfo[], o: DiscoveryOptions): string {
  const id = safeId(o.nodeId);
  const outputs = sensors.filter((s) => s.kind === 'output');
  const cmps: Record<string, Record<string, unknown>> = {};
  for (const s of sensors) {
    const key = id + '_' + safeId(s.name);
    if (s.kind === 'temperature' || s.kind === 'humidity') {
      cmps[key] = {
        p: 'sensor',
        name: s.name,
        unique_id: key,
        device_class: s.kind,
        state_class: 'measurement',
        unit_of_measurement: s.unit,
        state_topic: o.topics.sensor,
        value_template: field(s.device, s.quantity),
      };
    } else if (s.kind === 'switch') {
      cmps[key] = { p: 'binary_sensor', name: s.name, unique_id: key, state_topic: o.topics.sensor, value_template: field(s.device), payload_on: 'ON', payload_off: 'OFF' };
    } else {
      const power = powerKey(outputs.indexOf(s), outputs.length);
      cmps[key] = {
        p: 'switch',
        name: s.name,
        unique_id: key,
        command_topic: o.topics.cmnd + power,
        state_topic: o.topics.stat + power,
        payload_on: 'ON',
        payload_off: 'OFF',
      };
    }
  }
  return JSON.stringify({
    dev: { ids: ['magni_' + id], name: o.topics.name, mf: 'Magni', mdl: 'Magni sensor node', sw: o.version },
    o: { name: 'Magni', sw: o.version },
    cmps,
    availability_topic: o.topics.lwt,
    payload_available: 'Online',
    payload_not_available: 'Offline',
    qos: 1,
  });
}
