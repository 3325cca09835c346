// Types of workloads.mjs, for the TypeScript that imports it (bench/quickjs-inproc.ts).
export const SETUP: string[];
export const WORKLOADS: { name: string; line: string; expect: string }[];
export function median(xs: number[]): number;
