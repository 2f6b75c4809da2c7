#include "cli/cli.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "security/keychain.h"

namespace worm::cli {

namespace fs = std::filesystem;

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kNotFound:
      return kExitNotFound;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:
      return kExitConflict;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kDataLoss:
      return kExitInvalid;
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return kExitDenied;
    default:
      return kExitInternal;
  }
}

Result<ProjectDir> FindProject(const std::string& explicit_dir) {
  auto make = [](const fs::path& root) {
    return ProjectDir::At(fs::absolute(root).lexically_normal());
  };
  std::string dir = explicit_dir;
  std::string source = "--project";
  if (dir.empty()) {
    if (const char* env = std::getenv("WORM_PROJECT"); env && *env) {
      dir = env;
      source = "WORM_PROJECT";
    }
  }
  if (!dir.empty()) {
    ProjectDir p = make(dir);
    if (!fs::exists(p.schema_path())) {
      return Status::NotFound(source + " " + dir +
                              ": no .worm/schema.json there (run `worm init` in it)");
    }
    return p;
  }
  std::error_code ec;
  fs::path cur = fs::current_path(ec);
  if (ec) return Status::Internal("cannot read the current directory: " + ec.message());
  if (auto root = layout::FindProjectRoot(cur)) return make(*root);
  return Status::NotFound("no S3WORM project here: no .worm/schema.json in " + cur.string() +
                          " or any parent (run `worm init`, or pass --project DIR)");
}

void Cli::PrintJson(const Json& doc) const {
  std::cout << doc.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  std::cout.flush();
}

void Cli::Print(std::string_view text) const {
  std::cout << text;
  if (!text.empty() && text.back() != '\n') std::cout << "\n";
  std::cout.flush();
}

void Cli::Diag(std::string_view text) const {
  std::cerr << text;
  if (!text.empty() && text.back() != '\n') std::cerr << "\n";
}

bool Cli::stdout_tty() const { return isatty(STDOUT_FILENO) == 1; }

std::string RenderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(headers.size());
  auto display_width = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  for (size_t i = 0; i < headers.size(); ++i) width[i] = display_width(headers[i]);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], display_width(row[i]));
    }
  }
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < cells.size() ? cells[i] : "";
      out << cell;
      if (i + 1 < width.size()) out << std::string(width[i] - display_width(cell) + 2, ' ');
    }
    out << "\n";
  };
  line(headers);
  for (const auto& row : rows) line(row);
  return out.str();
}

Result<int64_t> ParseDuration(const std::string& text, std::string_view flag) {
  auto bad = [&] {
    return Status::InvalidArgument(std::string(flag) + " '" + text +
                                   "': expected a duration such as 3600, 15m, 12h or 7d");
  };
  if (text.empty()) return bad();
  int64_t unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's':
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      if (!std::isdigit(static_cast<unsigned char>(text.back()))) return bad();
      break;
  }
  if (!std::isdigit(static_cast<unsigned char>(text.back()))) digits.pop_back();
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return bad();
  }
  return std::stoll(digits) * unit;
}

std::string FormatDuration(int64_t seconds) {
  for (auto [unit, suffix] : {std::pair<int64_t, char>{86400, 'd'}, {3600, 'h'}, {60, 'm'}}) {
    if (seconds != 0 && seconds % unit == 0) return std::to_string(seconds / unit) + suffix;
  }
  return std::to_string(seconds) + "s";
}

Result<std::string> Cli::KeychainSpec() const {
  if (!keychain_flag.empty()) return keychain_flag;
  const char* env = std::getenv("WORM_KEYCHAIN");
  if (env != nullptr && *env != '\0') return std::string(env);
  ASSIGN_OR_RETURN(ProjectDir p, Project());
  return security::DefaultKeychainSpec(p.root.string());
}

Result<std::string> ReadInput(const std::string& path) {
  std::ostringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open for reading");
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileAtomic(const fs::path& path, std::string_view data) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::PermissionDenied(tmp.string() + ": cannot create");
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) return Status::Internal(tmp.string() + ": write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::Internal(path.string() + ": cannot rename into place: " + ec.message());
  }
  return Status::OK();
}

}  // namespace worm::cli
