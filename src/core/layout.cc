#include "core/layout.h"

#include "core/json_util.h"

namespace worm::layout {

namespace fs = std::filesystem;

bool IsSentinelKey(std::string_view key) {
  constexpr std::string_view name = kSentinelName;
  if (key == name) return true;
  return key.size() > name.size() && key.ends_with(name) &&
         key[key.size() - name.size() - 1] == '/';
}

// Json orders members by name, so both bodies are byte-stable.
std::string BucketSentinelBody() { return Json{{"format", kSentinelFormat}}.dump() + "\n"; }

std::string CollectionSentinelBody(std::string_view model) {
  return Json{{"format", kSentinelFormat}, {"model", std::string(model)}}.dump() + "\n";
}

Result<Sentinel> ParseSentinel(std::string_view body) {
  ASSIGN_OR_RETURN(Json j, ParseJson(body, "sentinel"));
  if (!j.is_object()) return Status::InvalidArgument("sentinel: not a JSON object");
  auto format = j.find("format");
  if (format == j.end() || !format->is_number_integer()) {
    return Status::InvalidArgument("sentinel: \"format\" must be an integer");
  }
  Sentinel out;
  out.format = format->get<int>();
  if (auto model = j.find("model"); model != j.end()) {
    if (!model->is_string()) return Status::InvalidArgument("sentinel: \"model\" must be a string");
    out.model = model->get<std::string>();
  }
  return out;
}

fs::path RemoteCacheDir(const fs::path& cache_dir, std::string_view remote) {
  return cache_dir / kRemotesCacheDir / remote;
}

fs::path DocCachePath(const fs::path& cache_dir, std::string_view model) {
  return cache_dir / model / kDocCacheFile;
}

std::optional<fs::path> FindProjectRoot(const fs::path& start, ProjectMarker marker) {
  std::error_code ec;
  fs::path from = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  for (fs::path p = from;; p = p.parent_path()) {
    bool found = marker == ProjectMarker::kSchema
                     ? fs::exists(p / kProjectDirName / kSchemaFile, ec)
                     : fs::is_directory(p / kProjectDirName, ec);
    if (found) return p;
    if (p == p.parent_path()) break;
  }
  return std::nullopt;
}

}  // namespace worm::layout
