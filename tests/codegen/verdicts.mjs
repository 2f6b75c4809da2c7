// The Node half of the codegen differential test (src/codegen/testing/
// differential_test.cc): gives the verdict of the generated Zod schemas
// (mode "zod": <work>/out/<dir>/models.js, compiled by tsc from models.ts)
// or of the generated JSON Schemas under ajv 8 (mode "ajv": strict, with
// ajv-formats, <work>/<dir>/<Model>.input.schema.json) for every document.
//
//   node verdicts.mjs zod|ajv <work> <node_modules>
//
// <work>/manifest.json: [{"dir": "s000", "models": ["Customer", ...]}, ...]
// <work>/docs.jsonl: one {"s": <manifest index>, "m": <model>, "doc": <JSON text>} per line
// Writes <work>/verdicts-<mode>.txt: one line per document, "accept",
// "refuse\t<first issue>" or "error\t<why it could not be checked>".
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [mode, work, nodeModules] = process.argv.slice(2);
if (!['zod', 'ajv'].includes(mode) || !work || !nodeModules) {
  console.error('usage: node verdicts.mjs zod|ajv <work> <node_modules>');
  process.exit(2);
}
const require = createRequire(path.join(nodeModules, 'noop.js'));
const manifest = JSON.parse(fs.readFileSync(path.join(work, 'manifest.json'), 'utf8'));
const lines = fs.readFileSync(path.join(work, 'docs.jsonl'), 'utf8').split('\n').filter(Boolean);
const oneLine = (s) => String(s).replace(/[\t\r\n]+/g, ' ').slice(0, 400);

// Per schema: model -> (value) => verdict string, or an error string.
const checkers = [];
for (const entry of manifest) {
  const byModel = {};
  try {
    if (mode === 'zod') {
      const file = path.join(work, 'out', entry.dir, 'models.js');
      const mod = await import(pathToFileURL(file).href);
      for (const m of entry.models) {
        const schema = mod[`${m}InputSchema`];
        if (!schema || typeof schema.safeParse !== 'function') {
          byModel[m] = `error\tmodels.ts exports no ${m}InputSchema`;
          continue;
        }
        byModel[m] = (value) => {
          const r = schema.safeParse(value);
          if (r.success) return 'accept';
          const issue = r.error.issues[0] ?? {};
          return `refuse\t${(issue.path ?? []).join('.')}: ${oneLine(issue.message)}`;
        };
      }
    } else {
      const Ajv2020 = require('ajv/dist/2020').default;
      const addFormats = require('ajv-formats').default;
      const ajv = new Ajv2020({ strict: true });
      addFormats(ajv);
      const dir = path.join(work, entry.dir);
      for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort()) {
        ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
      }
      for (const m of entry.models) {
        let validate;
        try {
          validate = ajv.getSchema(`${m}.input.schema.json`);
        } catch (e) {
          byModel[m] = `error\t${m}.input.schema.json does not compile under ajv strict: ${oneLine(e.message)}`;
          continue;
        }
        if (!validate) {
          byModel[m] = `error\tno ${m}.input.schema.json`;
          continue;
        }
        byModel[m] = (value) => {
          if (validate(value)) return 'accept';
          const e = (validate.errors ?? [])[0] ?? {};
          return `refuse\t${e.instancePath}: ${oneLine(e.message)}`;
        };
      }
    }
  } catch (e) {
    for (const m of entry.models) byModel[m] ??= `error\tloading ${entry.dir}: ${oneLine(e.message)}`;
  }
  checkers.push(byModel);
}

const out = [];
for (const line of lines) {
  const { s, m, doc } = JSON.parse(line);
  const check = checkers[s]?.[m];
  if (typeof check !== 'function') {
    out.push(check ?? `error\tno checker for ${s}/${m}`);
    continue;
  }
  try {
    out.push(check(JSON.parse(doc)));
  } catch (e) {
    out.push(`error\tthrew: ${oneLine(e.message)}`);
  }
}
fs.writeFileSync(path.join(work, `verdicts-${mode}.txt`), out.join('\n') + '\n');
