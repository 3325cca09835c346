// The core: the language plus the node. Bundled as dist/core.js.
export * from '../jml/index.ts';
export type { Host } from './host.ts';
export { MagniNode, type NodeOptions, type LineResult } from './magni.ts';
export { readStateLines, appendStateLine, type StateLine } from './state.ts';
export * from './web/index.ts';
