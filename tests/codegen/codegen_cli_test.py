#!/usr/bin/python3
"""`worm codegen` end to end with the real tools (issue 19): golden files for
the seed's example schema (every target), the generated TypeScript under
`tsc --strict` and its Zod schemas run in node, the JSON Schemas compiled by
ajv (strict), the OpenAPI document through @seriousme/openapi-schema-validator,
byte-identical output on rerun and after the keys inside models and fields
are reordered, `--check`, config targets, and the time a 200-model schema
takes (printed, never asserted).

WORM_BIN names the binary; UPDATE_GOLDEN=1 rewrites tests/golden/codegen/."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLDEN = os.path.join(ROOT, "tests", "golden", "codegen")
NODE_MODULES = os.path.join(ROOT, "tests", "compat", "node_modules")
RICH = os.path.join(ROOT, "src", "codegen", "testdata", "rich_schema.json")
LANGS = ["ts", "cpp", "json-schema", "openapi"]


def worm_bin():
    return os.environ.get("WORM_BIN") or os.path.join(ROOT, "build", "release", "src", "cli",
                                                      "worm")


def node():
    return shutil.which("node") or "/usr/bin/node"


def tree(folder):
    """{relative path: bytes} of every file under folder."""
    out = {}
    for base, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(base, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = fh.read()
    return out


def reorder(value, parent=None):
    """The same schema with the keys of every object reversed, except the
    maps whose order is the declaration order (models, fields, properties)."""
    if isinstance(value, list):
        return [reorder(v) for v in value]
    if not isinstance(value, dict):
        return value
    keys = list(value.keys())
    if parent not in ("models", "fields", "properties"):
        keys.reverse()
    return {k: reorder(value[k], k) for k in keys}


class CodegenCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="worm-codegen-")
        self.dir = self.tmp.name
        self.env = dict(os.environ, WORM_PROJECT=self.dir)
        self.env.pop("WORM_TOKEN", None)
        self.worm("init", self.dir)
        os.symlink(NODE_MODULES, os.path.join(self.dir, "node_modules"))

    def tearDown(self):
        self.tmp.cleanup()

    def worm(self, *args, ok=True):
        r = subprocess.run([worm_bin(), *args], capture_output=True, text=True, env=self.env,
                           cwd=self.dir, timeout=120)
        if ok and r.returncode != 0:
            self.fail("worm %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr))
        return r

    def run_node(self, script, *args):
        path = os.path.join(self.dir, "check.mjs")
        with open(path, "w") as f:
            f.write(script)
        r = subprocess.run([node(), path, *args], capture_output=True, text=True, cwd=self.dir,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def use_schema(self, path):
        shutil.copy(path, os.path.join(self.dir, ".worm", "schema.json"))

    def generate(self, lang, out):
        self.worm("codegen", "--lang", lang, "--out", out)
        return tree(out)

    def test_golden_files_for_the_example_schema(self):
        for lang in LANGS:
            got = self.generate(lang, os.path.join(self.dir, "gen", lang))
            want_dir = os.path.join(GOLDEN, lang)
            if os.environ.get("UPDATE_GOLDEN"):
                shutil.rmtree(want_dir, ignore_errors=True)
                for rel, data in got.items():
                    os.makedirs(os.path.dirname(os.path.join(want_dir, rel)), exist_ok=True)
                    with open(os.path.join(want_dir, rel), "wb") as f:
                        f.write(data)
            want = tree(want_dir)
            self.assertEqual(sorted(got), sorted(want), lang)
            for rel in want:
                self.assertEqual(got[rel], want[rel], "%s/%s differs from the golden file "
                                 "(UPDATE_GOLDEN=1 rewrites it)" % (lang, rel))

    def test_rerun_and_reordered_keys_give_identical_bytes(self):
        for schema in (None, RICH):
            if schema:
                self.use_schema(schema)
            path = os.path.join(self.dir, ".worm", "schema.json")
            with open(path) as f:
                original = json.load(f)
            for lang in LANGS:
                first = self.generate(lang, os.path.join(self.dir, "a", lang))
                again = self.generate(lang, os.path.join(self.dir, "b", lang))
                self.assertEqual(first, again, lang)
                with open(path, "w") as f:
                    json.dump(reorder(original), f, indent=3)
                shuffled = self.generate(lang, os.path.join(self.dir, "c", lang))
                self.assertEqual(first, shuffled, "%s after reordering keys" % lang)
                with open(path, "w") as f:
                    json.dump(original, f, indent=2)

    def test_typescript_compiles_strict_and_zod_agrees(self):
        with open(os.path.join(self.dir, "package.json"), "w") as f:
            json.dump({"type": "module"}, f)
        tsc = os.path.join(NODE_MODULES, ".bin", "tsc")
        want_key = self.worm("resolve", "Customer",
                             "a1b2c3d4-e5f6-7890-abcd-ef1234567890").stdout.strip()
        for name, schema in (("example", None), ("rich", RICH)):
            if schema:
                self.use_schema(schema)
            out = os.path.join(self.dir, name)
            self.generate("ts", out)
            r = subprocess.run([tsc, "--strict", "--target", "es2022", "--module", "nodenext",
                                "--moduleResolution", "nodenext", "--skipLibCheck",
                                "--outDir", os.path.join(out, "js"),
                                os.path.join(out, "models.ts")],
                               capture_output=True, text=True, cwd=self.dir, timeout=120)
            self.assertEqual(r.returncode, 0, "tsc --strict on %s: %s%s" % (name, r.stdout,
                                                                             r.stderr))
        # The example's Customer (name and email required, status an enum).
        got = self.run_node("""
import * as m from "./example/js/models.js";
const cases = [
  [{name: "Ada", email: "ada@example.com"}, true],
  [{name: "Ada"}, false],
  [{name: "Ada", email: "ada@example.com", status: "gone"}, false],
  [{name: "Ada", email: "ada@example.com", extra: 1}, false],
  [{name: 5, email: "ada@example.com"}, false],
];
for (const [doc, want] of cases) {
  const ok = m.CustomerInputSchema.safeParse(doc).success;
  if (ok !== want) { console.log("disagree", JSON.stringify(doc), ok); process.exit(1); }
}
const key = m.customerKey({id: "a1b2c3d4-e5f6-7890-abcd-ef1234567890"});
console.log(key);
""")
        self.assertEqual(got.strip(), want_key, "models.ts and `worm resolve` disagree")

    def test_json_schemas_compile_under_ajv_strict(self):
        for name, schema in (("example", None), ("rich", RICH)):
            if schema:
                self.use_schema(schema)
            out = os.path.join(self.dir, "js-" + name)
            files = self.generate("json-schema", out)
            self.assertTrue(any(f.endswith(".input.schema.json") for f in files), files)
            count = self.run_node("""
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
const dir = process.argv[2];
let n = 0;
for (const f of fs.readdirSync(dir).sort()) {
  const ajv = new Ajv2020({strict: true, allErrors: true});
  addFormats(ajv);
  ajv.compile(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
  n++;
}
console.log(n);
""", out)
            self.assertEqual(int(count), len(files))

    def test_openapi_passes_a_real_validator(self):
        for name, schema in (("example", None), ("rich", RICH)):
            if schema:
                self.use_schema(schema)
            out = os.path.join(self.dir, "api-" + name)
            self.generate("openapi", out)
            got = self.run_node("""
import fs from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
const doc = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const r = await new Validator().validate(doc);
if (!r.valid) { console.log(JSON.stringify(r.errors).slice(0, 2000)); process.exit(1); }
console.log(doc.openapi);
""", os.path.join(out, "openapi.json"))
            self.assertTrue(got.strip().startswith("3.1"), got)

    def test_check_reports_drift_and_config_targets_regenerate(self):
        out = os.path.join(self.dir, "gen")
        self.generate("ts", out)
        self.assertEqual(self.worm("codegen", "--lang", "ts", "--out", out, "--check").returncode,
                         0)
        with open(os.path.join(out, "models.ts"), "a") as f:
            f.write("// edited\n")
        with open(os.path.join(out, "stray.ts"), "w") as f:
            f.write("x\n")
        r = self.worm("codegen", "--lang", "ts", "--out", out, "--check", ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("models.ts", r.stdout + r.stderr)
        self.assertIn("stray.ts", r.stdout + r.stderr)
        # --check wrote nothing.
        with open(os.path.join(out, "models.ts")) as f:
            self.assertTrue(f.read().endswith("// edited\n"))
        # Targets from .worm/config.json: a bare `worm codegen` writes them all.
        cfg_path = os.path.join(self.dir, ".worm", "config.json")
        cfg = {}
        if os.path.exists(cfg_path):
            with open(cfg_path) as f:
                cfg = json.load(f)
        cfg["codegen"] = {"targets": [{"lang": "ts", "out": "cfg/ts"},
                                      {"lang": "openapi", "out": "cfg/api"}]}
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        self.worm("codegen")
        self.assertTrue(os.path.exists(os.path.join(self.dir, "cfg", "ts", "models.ts")))
        self.assertTrue(os.path.exists(os.path.join(self.dir, "cfg", "api", "openapi.json")))
        self.assertEqual(self.worm("codegen", "--check").returncode, 0)

    def test_unknown_language_is_refused_by_name(self):
        r = self.worm("codegen", "--lang", "cobol", ok=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("cobol", r.stderr)

    def test_two_hundred_models(self):
        models = {}
        for i in range(200):
            models["Model%03d" % i] = {
                "path": "#org/@m%03d/(id:uuid)" % i, "file": "[doc].json",
                "fields": {"name": {"type": "string", "required": True},
                           "n": {"type": "integer", "minimum": 0},
                           "tags": {"type": "array", "items": {"type": "string"}},
                           "kind": {"type": "string", "enum": ["a", "b"], "default": "a"}}}
        schema = {"schemaVersion": "1.0",
                  "paths": ["#org/@m%03d/(id:uuid)/[doc].json" % i for i in range(200)],
                  "models": models}
        with open(os.path.join(self.dir, ".worm", "schema.json"), "w") as f:
            json.dump(schema, f)
        for lang in LANGS:
            start = time.monotonic()
            files = self.generate(lang, os.path.join(self.dir, "big", lang))
            took = time.monotonic() - start
            sys.stderr.write("codegen of 200 models, %s: %.3f s (%d files, %d bytes)\n" %
                             (lang, took, len(files), sum(len(v) for v in files.values())))


if __name__ == "__main__":
    unittest.main()
