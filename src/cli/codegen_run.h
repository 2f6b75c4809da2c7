// Running codegen targets for the CLI: `worm codegen` and `worm dev` (which
// regenerates the targets .worm/config.json lists on every schema change).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "codegen/codegen.h"

namespace worm::cli {

struct CodegenTarget {
  codegen::Target target;
  std::filesystem::path out;  // absolute, or relative to the current folder
};

// The "codegen" section of .worm/config.json:
//   "codegen": {"targets": [{"lang": "ts", "out": "generated/ts"}, ...]}
// "out" is relative to the project root (default "generated/<lang>"). An empty
// list when the section is absent; InvalidArgument naming the entry when malformed.
Result<std::vector<CodegenTarget>> ConfiguredCodegenTargets(const ProjectDir& project);

// What one run found or did, paths relative to the target's out folder.
struct CodegenReport {
  std::vector<std::string> written;    // changed or created (not in check mode)
  std::vector<std::string> unchanged;  // already identical
  std::vector<std::string> differ;     // check mode: content differs
  std::vector<std::string> missing;    // check mode: not on disk
  std::vector<std::string> extra;      // check mode: on disk, not generated
  bool clean() const { return differ.empty() && missing.empty() && extra.empty(); }
};

// Generates `t` and writes its files (each atomically: temp + rename; a file
// already identical is left untouched) or, with `check`, only compares.
Result<CodegenReport> RunCodegenTarget(const schema::Schema& schema, const CodegenTarget& t,
                                       bool check);

}  // namespace worm::cli
