export * from '../runtime/index.ts';
export * from '../runtime/chord/index.ts';
