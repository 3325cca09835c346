// The property names build.mjs may shorten in the bundles (esbuild's
// mangleProps): names of `private` class members that nothing else uses.
// A name qualifies only when every declaration of it in the project is a
// private class member: no public member, interface or object-literal
// property shares it, no string or template holds it as a word (a quoted
// access, a JSON field, `in`), and neither the ES library nor Node's types
// declare it. Private members never cross a bundle's edge, so each bundle may
// rename them on its own.
import ts from 'typescript';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['jml', 'runtime', 'targets', 'test', 'bench', 'firmware-shims'];

function projectFiles(root) {
  const files = [join(root, 'build.mjs')];
  const walk = (dir) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mjs|js)$/.test(f)) files.push(p);
    }
  };
  for (const d of SOURCES) walk(join(root, d));
  return files;
}

/** Every name that a .d.ts file under these directories declares. */
function declaredNames(dirs) {
  const names = new Set();
  const walk = (dir) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.d.ts')) visitNames(parse(p), (n) => names.add(n));
    }
  };
  dirs.forEach(walk);
  return names;
}

const parse = (file) =>
  ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, /\.m?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS);

function visitNames(node, found) {
  if (node.name && ts.isIdentifier(node.name)) found(node.name.text);
  ts.forEachChild(node, (n) => visitNames(n, found));
}

const isPrivate = (n) => !!n.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword);
const classMember = (n) =>
  ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n);

/** The names to mangle, sorted; root is the repository's root. */
export function privateNames(root) {
  const privates = new Set();
  const elsewhere = new Set();
  const visit = (n) => {
    const name = n.name && ts.isIdentifier(n.name) ? n.name.text : undefined;
    if (name) {
      const inClass = n.parent && ts.isClassLike(n.parent);
      const member = (inClass && classMember(n)) || (ts.isParameter(n) && ts.isParameterPropertyDeclaration(n, n.parent));
      if (member && isPrivate(n)) privates.add(name);
      else if (member || ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isPropertyAssignment(n) ||
        ts.isShorthandPropertyAssignment(n) || ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n) || ts.isEnumMember(n)) elsewhere.add(name);
    }
    if (ts.isStringLiteralLike(n) || ts.isTemplateLiteralLikeNode?.(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n))
      for (const w of n.text.match(/[A-Za-z_$][\w$]*/g) ?? []) elsewhere.add(w);
    ts.forEachChild(n, visit);
  };
  for (const f of projectFiles(root)) visit(parse(f));
  const library = declaredNames([join(root, 'node_modules/typescript/lib'), join(root, 'node_modules/@types/node')]);
  return [...privates].filter((n) => !elsewhere.has(n) && !library.has(n)).sort();
}
