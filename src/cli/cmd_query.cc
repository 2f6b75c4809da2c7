// worm query <Model> [--where JSON] [--filter k=v]... [--sort f,-g] [--limit N]
//   [--offset N | --cursor C] [--select f,g] [--populate f] [--with-deleted]
//   [--count] [--group-by f]... [--sum f]... [--avg f]... [--min f]... [--max f]...
//   [--distinct f]... [--no-cache] [--jobs N] [--remote NAME] [--stats] [--json]
// Thin: builds the query JSON (include/worm/query.h), runs it over the
// project (or, with --remote, the local schema over that remote's objects,
// read-only, with the remote's own cache), prints {"items": [...], "next":
// cursor|null} or {"groups": [...]} with --json, an aligned table otherwise;
// --stats adds "stats" (and "requests" with --remote). Stored documents that
// do not decode are left out, named on stderr, and make the exit code 5.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>

#include "cli/cli.h"
#include "cli/open_remote.h"
#include "cli/principal.h"
#include "core/strings.h"
#include "schema/schema.h"
#include "worm/query.h"
#include "worm/repository.h"

namespace worm::cli {
namespace {

struct QueryArgs {
  std::string model, where, sort, cursor, select, populate, parent, remote;
  std::vector<std::string> filters, group_by, sum, avg, min, max, distinct;
  int64_t limit = -1, offset = -1;
  int jobs = 16;
  bool count = false, with_deleted = false, no_cache = false, stats = false;
};

// Cells wider than this are cut in tables (--json prints everything).
constexpr size_t kMaxCell = 40;

void AddAggregate(Json* q, const char* what, const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    for (const std::string& f : SplitNonEmpty(p, ',')) (*q)["aggregate"][what].push_back(f);
  }
}

Result<Json> BuildQuery(const QueryArgs& a) {
  Json where = nullptr;
  if (!a.where.empty()) {
    ASSIGN_OR_RETURN(where, ParseJson(a.where, "--where"));
  }
  ASSIGN_OR_RETURN(Json w, WhereWithFilters(where, a.filters));
  Json q = Json::object();
  if (!w.empty()) q["where"] = std::move(w);
  if (!a.sort.empty()) q["sort"] = SplitNonEmpty(a.sort, ',');
  if (a.limit >= 0) q["limit"] = a.limit;
  if (a.offset >= 0) q["offset"] = a.offset;
  if (!a.cursor.empty()) q["cursor"] = a.cursor;
  if (!a.select.empty()) q["select"] = SplitNonEmpty(a.select, ',');
  if (!a.populate.empty()) q["populate"] = SplitNonEmpty(a.populate, ',');
  if (a.with_deleted) q["withDeleted"] = true;
  if (a.count) q["aggregate"]["count"] = true;
  AddAggregate(&q, "groupBy", a.group_by);
  AddAggregate(&q, "sum", a.sum);
  AddAggregate(&q, "avg", a.avg);
  AddAggregate(&q, "min", a.min);
  AddAggregate(&q, "max", a.max);
  AddAggregate(&q, "distinct", a.distinct);
  return q;
}

std::string Cell(const Json& v) {
  std::string s =
      v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > kMaxCell) s = s.substr(0, kMaxCell - 3) + "...";
  return s;
}

// Columns: identity fields first, then members in order of first appearance.
std::string ItemsTable(const QueryResult& r, const std::vector<std::string>& ids) {
  std::vector<std::string> cols;
  auto add = [&cols](const std::string& c) {
    if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
  };
  for (const QueryItem& item : r.items) {
    for (const std::string& id : ids) {
      if (item.document.contains(id)) add(id);
    }
  }
  for (const QueryItem& item : r.items) {
    for (auto it = item.document.begin(); it != item.document.end(); ++it) add(it.key());
  }
  std::vector<std::vector<std::string>> rows;
  for (const QueryItem& item : r.items) {
    std::vector<std::string> row;
    for (const std::string& c : cols)
      row.push_back(item.document.contains(c) ? Cell(item.document[c]) : "");
    rows.push_back(std::move(row));
  }
  return RenderTable(cols, rows);
}

std::string GroupsTable(const Json& groups) {
  std::vector<std::string> cols;
  std::vector<std::vector<std::string>> rows;
  for (const Json& g : groups) {
    std::vector<std::pair<std::string, std::string>> cells;
    for (auto it = g["key"].begin(); it != g["key"].end(); ++it)
      cells.emplace_back(it.key(), Cell(*it));
    if (g.contains("count")) cells.emplace_back("count", Cell(g["count"]));
    for (const char* what : {"sum", "avg", "min", "max", "distinct"}) {
      if (!g.contains(what)) continue;
      for (auto it = g[what].begin(); it != g[what].end(); ++it) {
        cells.emplace_back(std::string(what) + "(" + it.key() + ")", Cell(*it));
      }
    }
    if (cols.empty()) {
      for (const auto& c : cells) cols.push_back(c.first);
    }
    std::vector<std::string> row;
    for (const auto& c : cells) row.push_back(c.second);
    rows.push_back(std::move(row));
  }
  return RenderTable(cols, rows);
}

Status RunQueryCommand(Cli& cli, const QueryArgs& a) {
  ASSIGN_OR_RETURN(Json q, BuildQuery(a));
  QueryRunOptions options;
  std::unique_ptr<Project> project;
  RemoteProject remote;  // with --remote
  ASSIGN_OR_RETURN(ProjectDir dir, cli.Project());
  ASSIGN_OR_RETURN(ProjectOptions po, DataProjectOptions(cli, dir));
  if (a.remote.empty()) {
    ASSIGN_OR_RETURN(project, Project::OpenAt(dir.root.string(), po));
  } else {
    ASSIGN_OR_RETURN(remote, OpenRemoteProject(cli, a.remote, po));
    project = std::move(remote.project);
    options.cache_dir = remote.cache_dir.string();
  }
  options.use_cache = !a.no_cache;
  options.concurrency = std::max(1, a.jobs);
  if (!a.parent.empty()) {
    size_t start = 0;
    for (size_t p; (p = a.parent.find('/', start)) != std::string::npos; start = p + 1) {
      options.parent_ids.push_back(a.parent.substr(start, p - start));
    }
    options.parent_ids.push_back(a.parent.substr(start));
  }
  QueryRunStats stats;
  Result<QueryResult> run = RunQuery(*project, a.model, q, options, &stats);
  if (!run.ok() && !a.remote.empty()) return run.status().WithContext("remote " + a.remote);
  ASSIGN_OR_RETURN(QueryResult r, std::move(run));
  if (a.stats) {
    cli.Diag("listed " + std::to_string(stats.listed) + ", from cache " +
             std::to_string(stats.cache_hits) + ", fetched " + std::to_string(stats.fetched) +
             ", populated " + std::to_string(stats.populated) + ", matched " +
             std::to_string(r.matched) + (stats.stopped_early ? " (listing stopped early)" : ""));
    if (!a.remote.empty()) cli.Diag(RequestsLine(remote));
  }
  // Stored documents the query left out (they do not decode): named on
  // stderr (and under "problems" with --json); the result of the others is
  // printed, and the exit code says the data is not all valid.
  for (const std::string& p : r.problems) cli.Diag("problem: " + p + " (left out)");
  if (!r.problems.empty()) cli.exit_code = kExitInvalid;
  if (cli.json) {
    Json doc = r.ToJson();
    if (a.stats) {
      doc["stats"] = {{"listed", stats.listed},       {"cacheHits", stats.cache_hits},
                      {"fetched", stats.fetched},     {"populated", stats.populated},
                      {"matched", r.matched},         {"stoppedEarly", stats.stopped_early},
                      {"cacheUsed", stats.cache_used}};
      if (!a.remote.empty()) doc["requests"] = RequestsJson(remote.remote.counts->Snapshot());
    }
    cli.PrintJson(doc);
    return Status::OK();
  }
  if (!r.groups.is_null()) {
    cli.Print(GroupsTable(r.groups));
    return Status::OK();
  }
  ASSIGN_OR_RETURN(Repository * repo, project->Get(a.model));
  std::vector<std::string> ids;
  for (const schema::Segment& seg : repo->model().path.segments) {
    if (seg.kind == schema::SegmentKind::kDynamic) ids.push_back(seg.name);
  }
  std::string out = r.items.empty() ? "(no results)" : ItemsTable(r, ids);
  if (!r.next_cursor.empty()) out += "\nmore: --cursor " + r.next_cursor;
  cli.Print(out);
  return Status::OK();
}

}  // namespace

void RegisterQueryCommand(CLI::App& app, Cli& cli) {
  auto a = std::make_shared<QueryArgs>();
  auto* cmd = app.add_subcommand("query", "Query a model: filter, sort, page, project, aggregate");
  cmd->add_option("model", a->model, "Model name")->required();
  cmd->add_option("--where", a->where, "Filter as JSON, e.g. '{\"amount\": {\"$gte\": 100}}'");
  cmd->add_option(
      "--filter", a->filters,
      "Shorthand filter (repeatable, ANDed): k=v k!=v k>v k>=v k<v k<=v k~v (contains)");
  cmd->add_option("--sort", a->sort, "Sort keys, '-' for descending: -createdAt,name");
  cmd->add_option("--limit", a->limit, "Page size")->check(CLI::NonNegativeNumber);
  auto* offset =
      cmd->add_option("--offset", a->offset, "Skip N results")->check(CLI::NonNegativeNumber);
  cmd->add_option("--cursor", a->cursor, "Continue after a previous page (its \"next\")")
      ->excludes(offset);
  cmd->add_option("--select", a->select,
                  "Fields to return: name,customer.email (or -secret to drop)");
  cmd->add_option("--populate", a->populate, "Ref fields to expand: customerId,a.b");
  cmd->add_flag("--with-deleted", a->with_deleted, "Include soft-deleted entities");
  cmd->add_flag("--count", a->count, "Count matches (per group with --group-by)");
  cmd->add_option("--group-by", a->group_by, "Group aggregates by these fields (repeatable)");
  cmd->add_option("--sum", a->sum, "Sum a numeric field (repeatable)");
  cmd->add_option("--avg", a->avg, "Average a numeric field (repeatable)");
  cmd->add_option("--min", a->min, "Smallest value of a field (repeatable)");
  cmd->add_option("--max", a->max, "Largest value of a field (repeatable)");
  cmd->add_option("--distinct", a->distinct, "Distinct values of a field (repeatable)");
  cmd->add_option("--parent", a->parent, "Parent ids of a nested collection (a/b)");
  cmd->add_option("--remote", a->remote,
                  "Query remote NAME (from `worm remote add`) instead of .worm/data, without "
                  "pulling: read-only, the local schema, one LIST per 1,000 keys and one GET per "
                  "document not in its cache (.worm/cache/remotes/NAME, checked by ETag)")
      ->type_name("NAME")
      ->check(CLI::Validator(
          [](std::string& name) {  // "" would quietly mean the local data
            return name.empty() ? std::string("name a remote (see `worm remote list`)") : "";
          },
          ""));
  cmd->add_flag("--no-cache", a->no_cache, "Fetch every document (ignore .worm/cache)");
  cmd->add_option("--jobs", a->jobs, "Parallel fetches (default 16)");
  cmd->add_flag("--stats", a->stats,
                "Print listed/cached/fetched counts (and with --remote the requests sent) to "
                "stderr; with --json also under \"stats\" (and \"requests\")");
  cmd->callback([&cli, a] { cli.Finish(RunQueryCommand(cli, *a)); });
}

}  // namespace worm::cli
