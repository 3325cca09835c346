// jml/ and runtime/ reach the world only through the Host (DESIGN.md): no
// Node or Bun modules, no globals that QuickJS lacks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORE_DIRS = ['jml', 'runtime'];

const NODE_MODULES = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));
const isHostModule = (p: string) => p.startsWith('node:') || p === 'bun' || p.startsWith('bun:') || NODE_MODULES.has(p) || NODE_MODULES.has(p.split('/')[0]);

/** What the pure runtime offers, entry by entry: the core, the web router, the sensor node, the ring. */
const ENTRIES = ['runtime/index.ts', 'runtime/web/index.ts', 'runtime/sensors/index.ts', 'runtime/chord/index.ts', 'runtime/chord/service.ts', 'runtime/chord/remote.ts', 'runtime/mimei/index.ts'];

async function bundleCore() {
  const imports: string[] = [];
  const result = await esbuild.build({
    entryPoints: ENTRIES.map((e) => join(ROOT, e)),
    bundle: true,
    write: false,
    outdir: 'out', // not written: two entries need a directory to name their outputs
    format: 'esm',
    platform: 'neutral',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-host-imports',
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point' || !isHostModule(args.path)) return undefined;
            imports.push(`${relative(ROOT, args.importer)} imports ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return { imports, inputs: Object.keys(result.metafile!.inputs), outputs: Object.keys(result.metafile!.outputs) };
}

test('the core, the web router, the sensor node and the ring bundle for platform neutral without Node or Bun modules', async () => {
  const { imports, outputs } = await bundleCore();
  assert.is(outputs.length, ENTRIES.length, 'every entry bundled: ' + outputs.join(', '));
  assert.equal(imports, [], 'jml/ and runtime/ must reach the world through the Host:\n  ' + imports.join('\n  '));
});

test('the core bundle holds only jml/ and runtime/ (and npm packages): arrows point one way', async () => {
  const { inputs } = await bundleCore();
  const strays = inputs.filter((f) => !f.includes('node_modules/') && !CORE_DIRS.some((d) => relative(ROOT, join(ROOT, f)).startsWith(d + '/')));
  assert.equal(strays, [], 'the core imports outside jml/ and runtime/: ' + strays.join(', '));
});

// Globals that QuickJS lacks (or a device should not reach for): any use, not
// only calls. Comments and strings are not code: the files are parsed.
const FORBIDDEN = new Set([
  'TextEncoder', 'TextDecoder', 'crypto', 'console', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval',
  'setImmediate', 'URL', 'URLSearchParams', 'process', 'Buffer', 'fetch', 'require', 'Bun', 'Deno',
]);
const GLOBAL_OBJECTS = new Set(['globalThis', 'global', 'self', 'window']);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.[cm]?[jt]s$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** Whether an identifier stands for a variable here (not a property name, a label or an import's remote name). */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isPropertyAccessExpression(p) && p.name === id) || (ts.isQualifiedName(p) && p.right === id)) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) ||
       ts.isMethodSignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isEnumMember(p)) && p.name === id) return false;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  return true;
}

/** Names the file declares itself (scope-insensitive): a local `crypto` import is not the global. */
function declaredNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (n: ts.BindingName | undefined) => {
    if (!n) return;
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
  };
  const visit = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) bind(n.name);
    else if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassExpression(n) ||
              ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isEnumDeclaration(n)) && n.name) names.add(n.name.text);
    else if (ts.isImportClause(n) && n.name) names.add(n.name.text);
    else if (ts.isNamespaceImport(n) || ts.isImportSpecifier(n) || ts.isImportEqualsDeclaration(n)) names.add(n.name.text);
    n.forEachChild(visit);
  };
  visit(sf);
  return names;
}

/** `file:line: name` for every use of a forbidden global in code. */
function forbiddenGlobals(code: string, file: string): string[] {
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.ES2020, true);
  const own = declaredNames(sf);
  const found: string[] = [];
  const report = (n: ts.Node, name: string) => found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${name}`);
  const visit = (n: ts.Node) => {
    if (ts.isIdentifier(n) && FORBIDDEN.has(n.text) && !own.has(n.text) && isReference(n)) report(n, n.text);
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && GLOBAL_OBJECTS.has(n.expression.text) && FORBIDDEN.has(n.name.text))
      report(n, n.getText(sf));
    n.forEachChild(visit);
  };
  visit(sf);
  return found;
}

test('jml/ and runtime/ use no globals that QuickJS lacks', () => {
  const files = CORE_DIRS.flatMap(sourceFiles);
  assert.ok(files.length > 0, 'no sources found under ' + CORE_DIRS.join(', '));
  const found = files.flatMap((f) => forbiddenGlobals(readFileSync(join(ROOT, f), 'utf8'), f));
  assert.equal(found, [], 'use the Host or a quickjs polyfill instead of:\n  ' + found.join('\n  '));
});

test('the scan sees through comments and strings, and catches real uses', () => {
  const names = (code: string) => forbiddenGlobals(code, 'x.ts').map((f) => f.split(': ')[1]);
  assert.equal(names('// console.log(1)\nconst s = "fetch a URL"; /* setTimeout */ host.fetch(x); const o = { URL: 1 };'), []);
  assert.equal(names('import * as crypto from "./crypto.ts"; crypto.encrypt(1);'), []);
  assert.equal(names('console.log(1); const t = setTimeout; new TextEncoder(); let u: URL; globalThis.fetch(u);'), [
    'console', 'setTimeout', 'TextEncoder', 'URL', 'globalThis.fetch',
  ]);
});

test.run();
