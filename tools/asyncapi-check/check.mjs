// Parses and validates an AsyncAPI document with the official parser
// (@asyncapi/parser: schema validation plus its spectral rules).
//
//   node tools/asyncapi-check/check.mjs docs/asyncapi.yaml
//
// Diagnostics go to stderr; the exit code is 1 if any is an error (or, with
// --strict, a warning). On success stdout gets one JSON object summarising
// the parsed document (channels with their addresses and parameters, each
// message's content type, description, payload and header property names,
// every property path of each component schema and the values of each path
// with an enum, with $refs resolved by the parser), which
// tools/cli/tests/integration/asyncapi.rs compares with the Rust contract.
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: check.mjs [--strict] FILE');
  process.exit(2);
}

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const parser = new Parser();
const text = await readFile(file, 'utf8');
const { document, diagnostics } = await parser.parse(text, { source: file });

let failed = false;
for (const d of diagnostics) {
  const severity = SEVERITY[d.severity] ?? String(d.severity);
  if (d.severity === 0 || (strict && d.severity === 1)) failed = true;
  const where = d.path?.length ? ` at ${d.path.join('.')}` : '';
  console.error(`${file}: ${severity} ${d.code}: ${d.message}${where}`);
}
if (!document || failed) {
  console.error(`${file}: invalid AsyncAPI document`);
  process.exit(1);
}

// Property names of a (resolved) schema, following allOf.
function properties(schema) {
  if (!schema) return null;
  const names = new Set(Object.keys(schema.properties() ?? {}));
  for (const part of schema.allOf() ?? []) {
    for (const name of properties(part) ?? []) names.add(name);
  }
  return [...names].sort();
}

// Every property path of a (resolved) schema: `a`, `a.b`, `list[].c`,
// following allOf/oneOf/anyOf alternatives; maps (additionalProperties) are
// not entered, their keys being data.
function paths(schema, prefix = '', out = new Set(), depth = 0) {
  if (!schema || depth > 8) return out;
  for (const part of [...(schema.allOf() ?? []), ...(schema.oneOf() ?? []), ...(schema.anyOf() ?? [])]) {
    paths(part, prefix, out, depth + 1);
  }
  for (const [name, sub] of Object.entries(schema.properties() ?? {})) {
    out.add(prefix + name);
    paths(sub, `${prefix}${name}.`, out, depth + 1);
  }
  const items = schema.items();
  if (items && !Array.isArray(items)) paths(items, `${prefix.replace(/\.$/, '')}[].`, out, depth + 1);
  return out;
}

// The allowed values of every property path that has an `enum` (`` for the
// schema itself), following the same paths as above.
function enums(schema, prefix = '', out = {}, depth = 0) {
  if (!schema || depth > 8) return out;
  const values = schema.enum();
  if (values) out[prefix.replace(/\.$/, '')] = values;
  for (const part of [...(schema.allOf() ?? []), ...(schema.oneOf() ?? []), ...(schema.anyOf() ?? [])]) {
    enums(part, prefix, out, depth + 1);
  }
  for (const [name, sub] of Object.entries(schema.properties() ?? {})) {
    enums(sub, `${prefix}${name}.`, out, depth + 1);
  }
  const items = schema.items();
  if (items && !Array.isArray(items)) enums(items, `${prefix.replace(/\.$/, '')}[].`, out, depth + 1);
  return out;
}

const summary = {
  asyncapi: document.version(),
  channels: Object.fromEntries(
    document.channels().all().map((c) => [
      c.id(),
      {
        address: c.address(),
        parameters: c.parameters().all().map((p) => p.id()).sort(),
        messages: c.messages().all().map((m) => m.id()).sort(),
      },
    ]),
  ),
  messages: Object.fromEntries(
    document.components().messages().all().map((m) => [
      m.id(),
      {
        contentType: m.contentType() ?? document.defaultContentType() ?? null,
        description: m.description() ?? null,
        payload: properties(m.payload()),
        headers: m.hasHeaders() ? properties(m.headers()) : null,
      },
    ]),
  ),
  schemas: Object.fromEntries(
    document.components().schemas().all().map((s) => [s.id(), [...paths(s)].sort()]),
  ),
  enums: Object.fromEntries(
    document.components().schemas().all().map((s) => [s.id(), enums(s)]),
  ),
  operations: Object.fromEntries(
    document.operations().all().map((o) => [
      o.id(),
      { action: o.action(), channels: o.channels().all().map((c) => c.id()) },
    ]),
  ),
};
console.log(JSON.stringify(summary));
