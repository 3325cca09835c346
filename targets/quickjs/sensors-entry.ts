// The sensor node's bundle for the board (dist/board-sensors.js): evaluated
// after dist/board.js and magni.load(), on a firmware that provides the
// sensor host functions (firmware-shims/quickjs-host.ts). A separate bundle,
// so that a board without sensors does not carry it in its heap.
import { mqttEvent, sensorIOFromGlobals } from '../../firmware-shims/quickjs-host.ts';
import { SensorNode } from '../../runtime/sensors/node.ts';
import type { Capability, MagniNode } from '../../runtime/index.ts';

let sensors: SensorNode | undefined;

const magni = (globalThis as any).magni as { node(): MagniNode | undefined };

Object.assign(magni, {
  sensors: {
    /** configJson: {nodeId, topic?, teleperiodMs?, discovery?, mqttCaps?: string[], version?}. Connects and takes the first reading. */
    start(configJson: string): void {
      const node = magni.node();
      if (!node) throw new Error('magni.load() was not called');
      const c = JSON.parse(configJson);
      sensors = new SensorNode(node, sensorIOFromGlobals(), { ...c, mqttCaps: new Set<Capability>(c.mqttCaps || []) });
      sensors.start();
    },
    /** Offline (retained) and a clean disconnect: a promise that settles when the firmware has done it. */
    stop(): Promise<void> {
      return sensors ? sensors.stop() : Promise.resolve();
    },
    /** The tele/NAME/SENSOR JSON of a fresh reading (a promise). */
    payload(): Promise<string> {
      if (!sensors) return Promise.reject(new Error('magni.sensors.start() was not called'));
      return sensors.payload();
    },
  },
  /** The firmware's report of a broker event: 'connected', 'disconnected' (payload: why), 'message'. */
  mqttEvent,
});
