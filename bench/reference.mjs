// The reference evaluator: jml/ as it was before the evaluator was rebuilt
// (commit REFERENCE), taken from git history and bundled, so benchmarks can
// compare today's evaluator with it in one run. Nothing of it is kept in the
// tree; it needs the repository's history (a shallow clone lacks it).
//   node bench/reference.mjs   -> prints the path of the bundle it built
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const REFERENCE = '899319b';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'node_modules', '.cache', 'magni-reference', REFERENCE);

/** Build (once) and return the paths of the reference bundles: Node/Bun ESM and a QuickJS IIFE exposing globalThis.referenceJml. */
export async function referenceBundles() {
  const esm = join(OUT, 'jml.mjs');
  const iife = join(OUT, 'jml.iife.js');
  if (existsSync(esm) && existsSync(iife)) return { esm, iife };
  let files;
  try {
    files = execFileSync('git', ['ls-tree', '--name-only', REFERENCE, 'jml/'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    throw new Error(`the reference evaluator needs commit ${REFERENCE} in this clone's history (git fetch --unshallow)`);
  }
  for (const f of files) {
    mkdirSync(dirname(join(OUT, f)), { recursive: true });
    writeFileSync(join(OUT, f), execFileSync('git', ['show', `${REFERENCE}:${f}`], { cwd: ROOT }));
  }
  const common = { entryPoints: [join(OUT, 'jml', 'index.ts')], bundle: true, minify: true, target: 'es2020', platform: 'neutral', logLevel: 'silent' };
  await esbuild.build({ ...common, format: 'esm', outfile: esm });
  await esbuild.build({ ...common, format: 'iife', globalName: 'referenceJml', outfile: iife });
  return { esm, iife };
}

/** The reference Interpreter class (Node or Bun). */
export async function referenceInterpreter() {
  const { esm } = await referenceBundles();
  return (await import(pathToFileURL(esm).href)).Interpreter;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await referenceBundles());
