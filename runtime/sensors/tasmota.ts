// What the node publishes, in the shapes Tasmota devices use, so that tools
// made for Tasmota (Home Assistant, Node-RED flows, MQTT Explorer) read it:
//   tele/NAME/SENSOR  {"Time":"2026-11-21T12:00:00Z","DS18B20-1":{"Id":"0316A27977A1","Temperature":21.9},"TempUnit":"C"}
//   stat/NAME/RESULT  {"TelePeriod":300}, {"POWER":"ON"}, {"Command":"Unknown"}
// Time is UTC with its Z (Tasmota writes local time without a zone, which a
// reader cannot place; a reading sent late from the buffer keeps its time).
import { roundTo, type SensorInfo } from './model.ts';

export interface Measured {
  info: SensorInfo;
  value: number;
}

/** Decimals per kind in the JSON: Tasmota's defaults (TempRes 1, HumRes 1). */
const DECIMALS: Record<string, number> = { temperature: 1, humidity: 1 };

/** 2026-11-21T12:00:00Z: ISO 8601 UTC, whole seconds. */
export const tasmotaTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + 'Z';

export const onOff = (v: number): 'ON' | 'OFF' => (v ? 'ON' : 'OFF');

/**
 * The tele/NAME/SENSOR payload of readings taken at time: devices in the
 * order given, each with its Id and quantities; a switch as `"NAME":"ON"`;
 * outputs are not readings (they are stat/NAME/POWER). TempUnit when a
 * temperature is there.
 */
export function sensorPayload(time: number, readings: Measured[]): string {
  const out: Record<string, unknown> = { Time: tasmotaTime(time) };
  let temp = false;
  for (const { info, value } of readings) {
    if (info.kind === 'output') continue;
    if (info.kind === 'switch') {
      out[info.device] = onOff(value);
      continue;
    }
    let group = out[info.device] as Record<string, unknown> | undefined;
    if (!group) {
      group = out[info.device] = {};
      if (info.id) group.Id = info.id;
    }
    group[info.quantity] = roundTo(value, DECIMALS[info.kind] ?? 3);
    if (info.kind === 'temperature') temp = true;
  }
  if (temp) out.TempUnit = 'C';
  return JSON.stringify(out);
}

/** The Time of a SENSOR payload, in ms (NaN when it has none). */
export function payloadTime(payload: string): number {
  const m = /^\{"Time":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"/.exec(payload);
  return m ? Date.parse(m[1]) : NaN;
}

/** Tasmota's name of output i of n (0-based): POWER when there is one, POWER1, POWER2... when there are several. */
export const powerKey = (i: number, n: number): string => (n > 1 ? 'POWER' + (i + 1) : 'POWER');

/** A Power command's payload: 1/0, ON/OFF, TRUE/FALSE, TOGGLE (2), or '' to ask; anything else is null. */
export function powerValue(payload: string, current: number): number | 'ask' | null {
  const p = payload.trim().toUpperCase();
  if (p === '') return 'ask';
  if (p === '1' || p === 'ON' || p === 'TRUE') return 1;
  if (p === '0' || p === 'OFF' || p === 'FALSE') return 0;
  if (p === '2' || p === 'TOGGLE') return current ? 0 : 1;
  return null;
}

/** {"KEY":value}: the shape of every stat/NAME/RESULT answer. */
export const result = (key: string, value: unknown): string => JSON.stringify({ [key]: value });
