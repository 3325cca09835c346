// The sensor node's pure part: the model, what to publish and where (Tasmota
// payloads and topics, Home Assistant discovery), and the node that drives
// it through SensorIO. Not in dist/core.js: a node without sensors does not
// carry it (Node and Bun import it; the board loads dist/board-sensors.js).
export * from './model.ts';
export * from './tasmota.ts';
export * from './topics.ts';
export * from './discovery.ts';
export * from './backoff.ts';
export type { SensorIO, MqttLink, MqttEvents, ReadingBuffer } from './io.ts';
export { SensorNode, TELEPERIOD, MQTT_LIMITS, type SensorNodeOptions, type Snapshot } from './node.ts';
export { MAX_PUBLISH } from './builtins.ts';
