#!/usr/bin/env bash
# Fails when a comment names a file that does not exist: every `docs/...`
# path and every *.md path in the comments of src/ include/ tests/ bench/
# fuzz/ scripts/ cmake/ and the CMake files, and every relative .md link in
# README.md and docs/*.md. Paths resolve from the repository root, else from
# the citing file's folder. Usage: scripts/check_doc_refs.sh [ROOT]
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"
python3 - <<'PY'
import os, re, sys

ROOTS = ["src", "include", "tests", "bench", "fuzz", "scripts", "cmake"]
SLASH = {".cc", ".h", ".cpp", ".hpp", ".mjs", ".js"}  # // and /* */ comments
HASH = {".sh", ".py", ".cmake"}                         # # comments
# A path starts after a non-path character, so "http://host/docs/x" is no cite.
REF = re.compile(r"(?:^|[^A-Za-z0-9_./-])((?:docs/[A-Za-z0-9_./-]*)|(?:[A-Za-z0-9_./-]+\.md))")
LINK = re.compile(r"\]\(([^)\s#]+\.md)(?:#[^)]*)?\)")

def comments(path):
    ext = os.path.splitext(path)[1]
    name = os.path.basename(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if ext in SLASH:
                s = line.strip()
                if "//" in line:
                    yield n, line.split("//", 1)[1]
                elif s.startswith("*") or s.startswith("/*"):
                    yield n, s
            elif ext in HASH or name == "CMakeLists.txt":
                if "#" in line:
                    yield n, line.split("#", 1)[1]

def exists(ref, citing):
    ref = ref.rstrip(".,;:")
    if not ref or ref == "docs/":
        return os.path.isdir("docs")
    return os.path.exists(ref) or os.path.exists(os.path.join(os.path.dirname(citing), ref))

files = ["CMakeLists.txt"] if os.path.exists("CMakeLists.txt") else []
for top in ROOTS:
    for d, subdirs, names in os.walk(top):
        subdirs[:] = [s for s in subdirs if s not in ("node_modules", "corpus", "golden")]
        # The self-test names missing files on purpose.
        files += [os.path.join(d, n) for n in sorted(names) if n != "doc_refs_selftest.sh"]

bad = []
for path in sorted(files):
    for n, text in comments(path):
        for m in REF.finditer(text):
            if not exists(m.group(1), path):
                bad.append(f"{path}:{n}: names {m.group(1).rstrip('.,;:')}, which does not exist")
md = ["README.md"] if os.path.exists("README.md") else []
if os.path.isdir("docs"):
    md += [os.path.join("docs", n) for n in sorted(os.listdir("docs")) if n.endswith(".md")]
md += [f for f in files if f.endswith(".md")]
for path in md:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            for m in LINK.finditer(line):
                target = m.group(1)
                if "://" in target:
                    continue
                if not os.path.exists(os.path.join(os.path.dirname(path), target)):
                    bad.append(f"{path}:{n}: links {target}, which does not exist")
for b in bad:
    print(b)
if bad:
    print(f"doc references: {len(bad)} missing (write the file or fix the comment)", file=sys.stderr)
    sys.exit(1)
print(f"doc references ok ({len(files)} files scanned)")
PY
