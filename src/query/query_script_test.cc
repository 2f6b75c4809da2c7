// Runs the query scripts in tests/golden/query/*.test (DuckDB's sqllogictest
// style) and replays the fuzz corpus in fuzz/corpus/query/.
//
// Script format: statements separated by blank lines; '#' lines are comments.
//   load                 one JSON document per line; the key is its "id"
//   {"id":"a",...}
//
//   delete               one key per line
//   a
//
//   query                the query JSON (may span lines), then the expected
//   {"where":...}        result: one document (or group) per line as compact
//   ----                 JSON with sorted members, then "(more)" when the
//   {"id":"a",...}       result has a next cursor
//
//   next                 the previous query again, continuing from its cursor
//   ----
//   ...
//
//   query-error          a query that must fail; expected: Status::ToString()
//   {"where":{"a":{"$x":1}}}
//   ----
//   InvalidArgument: query: where.a.$x: unknown operator ...
//
// Every query runs twice: documents in key order with keys_ascending (so an
// unsorted query may stop early), and in reverse order without; both results
// must agree. UPDATE_GOLDEN=1 rewrites the expected blocks after review.
#include <algorithm>
#include <filesystem>
#include <map>

#include "core/json_util.h"
#include "query/fuzz.h"
#include "testing/test_util.h"
#include "worm/query.h"

namespace worm {
namespace {

namespace fs = std::filesystem;
using ::worm::testing::ReadFileOrDie;
using ::worm::testing::SourceDir;
using ::worm::testing::WriteFileOrDie;

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

bool Blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

class ScriptRunner {
 public:
  explicit ScriptRunner(std::string name) : name_(std::move(name)) {}

  // Runs every statement; returns the script with actual results filled in.
  std::string Run(const std::vector<std::string>& lines);

 private:
  std::vector<std::string> Execute(const std::string& header, const std::vector<std::string>& body,
                                   int line_no);
  std::vector<std::string> RunQuery(const Json& query, int line_no);
  std::vector<std::string> Evaluate(const CompiledQuery& q, bool forward, std::string* next);

  std::string name_;
  std::map<std::string, Json> docs_;
  Json last_query_;
  std::string last_cursor_;
};

std::string ScriptRunner::Run(const std::vector<std::string>& lines) {
  std::string out;
  size_t i = 0;
  while (i < lines.size()) {
    if (Blank(lines[i]) || lines[i][0] == '#') {
      out += lines[i++] + "\n";
      continue;
    }
    int line_no = static_cast<int>(i) + 1;
    std::string header = lines[i];
    out += lines[i++] + "\n";
    std::vector<std::string> body;
    while (i < lines.size() && !Blank(lines[i]) && lines[i] != "----") {
      body.push_back(lines[i]);
      out += lines[i++] + "\n";
    }
    std::vector<std::string> expected;
    bool has_expected = i < lines.size() && lines[i] == "----";
    if (has_expected) {
      ++i;
      while (i < lines.size() && !Blank(lines[i])) expected.push_back(lines[i++]);
    }
    std::vector<std::string> actual = Execute(header, body, line_no);
    if (header == "load" || header == "delete") continue;
    EXPECT_EQ(actual, expected) << name_ << ":" << line_no << ": " << header
                                << " result differs (UPDATE_GOLDEN=1 rewrites after review)";
    out += "----\n";
    for (const std::string& l : actual) out += l + "\n";
  }
  return out;
}

std::vector<std::string> ScriptRunner::Execute(const std::string& header,
                                               const std::vector<std::string>& body, int line_no) {
  std::string text;
  for (const std::string& l : body) text += l + "\n";
  if (header == "load") {
    for (const std::string& l : body) {
      Json doc = Json::parse(l);
      docs_[doc.at("id").get<std::string>()] = doc;
    }
    return {};
  }
  if (header == "delete") {
    for (const std::string& l : body) docs_.erase(l);
    return {};
  }
  if (header == "next") {
    if (last_cursor_.empty()) return {"(no cursor)"};
    Json q = last_query_;
    q["cursor"] = last_cursor_;
    return RunQuery(q, line_no);
  }
  auto parsed = ParseJson(text, "script query");
  if (!parsed.ok()) return {parsed.status().ToString()};
  if (header == "query-error") {
    Status st = CompiledQuery::Compile(*parsed).status();
    return {st.ok() ? "(no error)" : st.ToString()};
  }
  if (header == "query") return RunQuery(*parsed, line_no);
  ADD_FAILURE() << name_ << ":" << line_no << ": unknown statement '" << header << "'";
  return {};
}

std::vector<std::string> ScriptRunner::Evaluate(const CompiledQuery& q, bool forward,
                                                std::string* next) {
  QueryEvaluator ev(q, {.keys_ascending = forward});
  auto feed = [&](const auto& begin, const auto& end) {
    for (auto it = begin; it != end && !ev.Done(); ++it) EXPECT_OK(ev.Add(it->first, it->second));
  };
  if (forward) {
    feed(docs_.begin(), docs_.end());
  } else {
    feed(docs_.rbegin(), docs_.rend());
  }
  auto r = ev.Finish();
  if (!r.ok()) return {r.status().ToString()};
  std::vector<std::string> lines;
  Json j = r->ToJson();
  const Json& list = j.contains("groups") ? j["groups"] : j["items"];
  for (const Json& e : list)
    lines.push_back(e.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (!r->next_cursor.empty()) lines.push_back("(more)");
  *next = r->next_cursor;
  return lines;
}

std::vector<std::string> ScriptRunner::RunQuery(const Json& query, int line_no) {
  auto q = CompiledQuery::Compile(query);
  if (!q.ok()) return {q.status().ToString()};
  std::string next_forward, next_backward;
  std::vector<std::string> lines = Evaluate(*q, true, &next_forward);
  EXPECT_EQ(Evaluate(*q, false, &next_backward), lines)
      << name_ << ":" << line_no << ": result depends on arrival order";
  EXPECT_EQ(next_forward, next_backward) << name_ << ":" << line_no;
  last_query_ = query;
  last_query_.erase("cursor");
  last_cursor_ = next_forward;
  return lines;
}

std::vector<fs::path> FilesIn(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && (ext.empty() || e.path().extension() == ext)) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The source tree: WORM_SOURCE_DIR (ctest sets it) or the cwd, else the tree
// this binary was configured from (so it also runs from the build dir).
fs::path Root() {
  fs::path root = SourceDir();
  if (!fs::exists(root / "tests" / "golden" / "query")) root = WORM_QUERY_SOURCE_DIR;
  return root;
}

fs::path GoldenDir() { return Root() / "tests" / "golden" / "query"; }

class QueryScriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(QueryScriptTest, Run) {
  fs::path path = GoldenDir() / (GetParam() + ".test");
  std::string text = ReadFileOrDie(path);
  ScriptRunner runner(path.filename().string());
  std::string updated = runner.Run(SplitLines(text));
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1" && updated != text) WriteFileOrDie(path, updated);
}

std::vector<std::string> ScriptNames() {
  std::vector<std::string> names;
  for (const fs::path& p : FilesIn(GoldenDir(), ".test")) names.push_back(p.stem().string());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Golden, QueryScriptTest, ::testing::ValuesIn(ScriptNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(QueryScriptFilesTest, ScriptsArePresent) { EXPECT_GE(ScriptNames().size(), 3u); }

// The fuzz corpus (and past crashers) replayed by the GCC build: errors are
// fine, crashes are not.
TEST(QueryFuzzReplayTest, Corpus) {
  auto files = FilesIn(Root() / "fuzz" / "corpus" / "query", "");
  EXPECT_FALSE(files.empty());
  for (const fs::path& p : files) {
    std::string data = ReadFileOrDie(p);
    (void)FuzzQuery(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
}

}  // namespace
}  // namespace worm
