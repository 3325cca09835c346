// The sensor node's page (GET /sensors in a browser): every sensor with its
// value, refreshed by the browser every few seconds (a Refresh header: the
// pages carry no scripts), and for the owner a button per output.
import type { Snapshot } from '../sensors/node.ts';
import type { SensorInfo } from '../sensors/model.ts';
import { esc, form } from './html.ts';

/** Seconds between refreshes of the page. */
export const REFRESH_S = 10;

const shown = (info: SensorInfo, value: number): string =>
  info.kind === 'switch' || info.kind === 'output' ? (value ? 'ON' : 'OFF') : String(value) + (info.unit ? ' ' + info.unit : '');

/** The page's body: a table of the readings of snap, in the order of sensors. */
export function sensorsBody(sensors: SensorInfo[], snap: Snapshot, owner: boolean): string {
  if (!sensors.length) return '<p>This node has no sensors.</p>';
  const rows = sensors.map((info) => {
    const r = snap.readings.find((m) => m.info.name === info.name);
    const e = snap.errors.find((x) => x.name === info.name);
    const value = r ? esc(shown(info, r.value)) : `<em>no reading: ${esc(e ? e.error : 'unknown')}</em>`;
    const control = info.kind === 'output' && owner && r
      ? form('/sensors', `<input type="hidden" name="output" value="${esc(info.name)}"><input type="hidden" name="value" value="${r.value ? 'OFF' : 'ON'}">`, [['', r.value ? 'Switch off' : 'Switch on']])
      : '';
    return `<tr><th>${esc(info.name)}</th><td>${value}</td><td>${esc(info.kind)}${info.id ? ' ' + esc(info.id) : ''}</td><td>${control}</td></tr>`;
  });
  const time = new Date(snap.time).toISOString().slice(0, 19) + 'Z';
  return `<table>${rows.join('')}</table><p>Read at ${time}; this page refreshes every ${REFRESH_S} s. ` +
    'The same as JSON: <a href="/sensors.json">/sensors.json</a>.</p>';
}
