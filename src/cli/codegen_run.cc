#include "cli/codegen_run.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace worm::cli {

namespace fs = std::filesystem;

Result<std::vector<CodegenTarget>> ConfiguredCodegenTargets(const ProjectDir& project) {
  std::vector<CodegenTarget> out;
  std::error_code ec;
  if (!fs::exists(project.config_path(), ec)) return out;
  ASSIGN_OR_RETURN(std::string text, ReadInput(project.config_path().string()));
  Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Status::InvalidArgument(".worm/config.json: not valid JSON");
  if (!doc.is_object() || !doc.contains("codegen")) return out;
  const Json& cg = doc["codegen"];
  if (!cg.is_object() || !cg.value("targets", Json::array()).is_array()) {
    return Status::InvalidArgument(
        ".worm/config.json: codegen must be {\"targets\": [{\"lang\": ..., \"out\": ...}]}");
  }
  const Json targets = cg.value("targets", Json::array());
  for (size_t i = 0; i < targets.size(); ++i) {
    std::string where = ".worm/config.json: codegen.targets[" + std::to_string(i) + "]";
    const Json& t = targets[i];
    if (!t.is_object() || !t.contains("lang") || !t["lang"].is_string()) {
      return Status::InvalidArgument(where + ": needs \"lang\" (ts, cpp, json-schema, openapi)");
    }
    Result<codegen::Target> target = codegen::ParseTarget(t["lang"].get<std::string>());
    if (!target.ok()) return target.status().WithContext(where);
    std::string rel = "generated/" + std::string(codegen::TargetName(*target));
    if (t.contains("out")) {
      if (!t["out"].is_string() || t["out"].get<std::string>().empty()) {
        return Status::InvalidArgument(where + ": \"out\" must be a folder path");
      }
      rel = t["out"].get<std::string>();
    }
    fs::path p(rel);
    out.push_back({*target, p.is_absolute() ? p : project.root / p});
  }
  return out;
}

namespace {

std::optional<std::string> ReadIfExists(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<CodegenReport> RunCodegenTarget(const schema::Schema& schema, const CodegenTarget& t,
                                       bool check) {
  ASSIGN_OR_RETURN(std::vector<codegen::GeneratedFile> files, codegen::Generate(schema, t.target));
  CodegenReport report;
  std::set<std::string> generated;
  for (const codegen::GeneratedFile& f : files) {
    generated.insert(f.path);
    fs::path p = t.out / f.path;
    std::optional<std::string> cur = ReadIfExists(p);
    if (cur && *cur == f.content) {
      report.unchanged.push_back(f.path);
      continue;
    }
    if (check) {
      (cur ? report.differ : report.missing).push_back(f.path);
      continue;
    }
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec) {
      return Status::Internal("codegen: cannot create the folder for " + f.path + ": " +
                              ec.message());
    }
    RETURN_NOT_OK(WriteFileAtomic(p, f.content));
    report.written.push_back(f.path);
  }
  if (check) {
    std::error_code ec;
    if (fs::is_directory(t.out, ec)) {
      for (auto it = fs::recursive_directory_iterator(t.out, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string rel = fs::relative(it->path(), t.out, ec).generic_string();
        if (!generated.count(rel)) report.extra.push_back(rel);
      }
      std::sort(report.extra.begin(), report.extra.end());
    }
  }
  return report;
}

}  // namespace worm::cli
