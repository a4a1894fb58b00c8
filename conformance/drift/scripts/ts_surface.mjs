// Describe the Interactions types of an installed @google/genai as JSON Schema, read from its shipped .d.ts
// with the TypeScript compiler's own API (program + type checker), never with regular expressions.
//
// usage: node ts_surface.mjs ENV_DIR
//   ENV_DIR holds node_modules/@google/genai and node_modules/typescript (5.x: the classic JS compiler API).
// prints: {"sdk", "version", "roots": {resource, create: [...], events}, "$defs": {...}, "sources": {...}}
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const envDir = path.resolve(process.argv[2] || '.');
const require = createRequire(path.join(envDir, 'package.json'));
const ts = require('typescript');
const pkgDir = path.join(envDir, 'node_modules', '@google', 'genai');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const typings = path.join(pkgDir, pkg.typings || pkg.types || 'dist/genai.d.ts');

const program = ts.createProgram([typings], { noEmit: true, strict: true, skipLibCheck: true, types: [] });
const checker = program.getTypeChecker();
const source = program.getSourceFile(typings);
const moduleSymbol = checker.getSymbolAtLocation(source);
if (!moduleSymbol) throw new Error(`${typings}: not a module`);

// the exported namespace `Interactions` names the public types; fall back to top-level exports
const top = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
let scope = top;
const ns = top.get('Interactions');
if (ns) scope = new Map(checker.getExportsOfModule(ns.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(ns) : ns).map((s) => [s.name, s]));

function lookup(names) {
  for (const name of names) {
    const sym = scope.get(name) || top.get(name);
    if (sym) return [name, checker.getDeclaredTypeOfSymbol(sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym)];
  }
  return [null, null];
}

const defs = {};
const sources = {};
const named = new Map(); // ts.Type -> def name

function where(decl) {
  const sf = decl.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(decl.getStart());
  return `${path.relative(pkgDir, sf.fileName)}:${line + 1}`;
}

function nameOf(type) {
  const sym = type.aliasSymbol || ((type.flags & ts.TypeFlags.Object) ? type.symbol : undefined);
  if (!sym || sym.name.startsWith('__')) return null;
  return sym.name.replace(/\$$/, '');
}

function unique(base) {
  let name = base;
  for (let i = 2; name in defs; i++) name = `${base}_${i}`;
  return name;
}

function isNullish(t) {
  return (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) !== 0;
}

function convert(type, depth = 0) {
  if (depth > 60) return {};
  if (type.flags & ts.TypeFlags.StringLiteral) return { const: type.value };
  if (type.flags & ts.TypeFlags.NumberLiteral) return { const: type.value };
  if (type.flags & ts.TypeFlags.BooleanLiteral) return { type: 'boolean' };
  if (type.flags & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral)) return { type: 'string' };
  if (type.flags & ts.TypeFlags.Number) return { type: 'number' };
  if (type.flags & ts.TypeFlags.Boolean) return { type: 'boolean' };
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
  if (isNullish(type)) return { type: 'null' };
  // `string & {}` (an open string enum's escape hatch) is a string
  if (type.isIntersection() && type.types.some((t) => t.flags & ts.TypeFlags.String)) return { type: 'string' };
  const name = nameOf(type);
  const isObj = (type.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(type);
  if (name && (type.isUnion() || isObj || type.isIntersection())) {
    if (named.has(type)) return { $ref: `#/$defs/${named.get(type)}` };
    const key = unique(name);
    named.set(type, key);
    defs[key] = {};
    const decl = (type.aliasSymbol || type.symbol).declarations?.[0];
    if (decl) sources[key] = `${where(decl)} ${key}`;
    defs[key] = structure(type, depth);
    return { $ref: `#/$defs/${key}` };
  }
  return structure(type, depth);
}

function structure(type, depth) {
  if (type.isUnion()) {
    const members = type.types.filter((t) => !isNullish(t));
    if (members.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) return { type: 'boolean' };
    if (members.length && members.every((t) => t.flags & ts.TypeFlags.StringLiteral)) {
      return { type: 'string', enum: members.map((t) => t.value) };
    }
    const out = members.map((t) => convert(t, depth + 1));
    return out.length === 1 ? out[0] : { anyOf: out };
  }
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    const args = checker.getTypeArguments(type);
    return { type: 'array', items: args.length ? convert(args[0], depth + 1) : {} };
  }
  if (type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) {
    const properties = {};
    const required = [];
    for (const prop of checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration || prop.declarations?.[0];
      if (decl && (ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl))) continue;
      const ptype = decl ? checker.getTypeOfSymbolAtLocation(prop, decl) : checker.getTypeOfSymbol(prop);
      if (checker.getSignaturesOfType(ptype, ts.SignatureKind.Call).length) continue;
      properties[prop.name] = convert(ptype, depth + 1);
      if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(prop.name);
    }
    const out = { type: 'object', properties };
    if (required.length) out.required = required;
    if (checker.getIndexInfosOfType(type).length) out.additionalProperties = true;
    return out;
  }
  return {};
}

const roots = {};
const [resource, resourceType] = lookup(['Interaction']);
if (resourceType) roots.resource = convert(resourceType).$ref?.split('/').pop() || resource;
const [events, eventsType] = lookup(['InteractionSSEEvent', 'InteractionSseEvent', 'InteractionEvent']);
if (eventsType) roots.events = convert(eventsType).$ref?.split('/').pop() || events;
roots.create = [];
for (const names of [
  ['CreateModelInteractionParamsNonStreaming', 'CreateModelInteractionParams'],
  ['CreateAgentInteractionParamsNonStreaming', 'CreateAgentInteractionParams'],
]) {
  const [n, t] = lookup(names);
  if (t) roots.create.push(convert(t).$ref?.split('/').pop() || n);
}
process.stdout.write(JSON.stringify({ sdk: pkg.name, version: pkg.version, typescript: ts.version, roots, $defs: defs, sources }));
