// Queries over a collection of JSON documents: a Mongo-style JSON language
// (docs/design.md, "Query"), compiled once and evaluated one document at a time.
//
//   {"where": {"status": "active", "amount": {"$gte": 100},
//              "$or": [{"name": {"$startsWith": "A"}}, {"tags": {"$contains": "vip"}}]},
//    "sort": ["-createdAt", "name"], "limit": 50, "cursor": "...",
//    "select": ["name", "email"], "populate": ["customerId"], "withDeleted": false,
//    "aggregate": {"groupBy": ["status"], "count": true, "sum": ["amount"]}}
//
// Use:
//   ASSIGN_OR_RETURN(CompiledQuery q, CompiledQuery::Compile(json, {.model = &model}));
//   QueryEvaluator ev(q);
//   for (each document) RETURN_NOT_OK(ev.Add(key, doc));   // or stop early when ev.Done()
//   ASSIGN_OR_RETURN(QueryResult r, ev.Finish());
//   print(r.ToJson());   // {"items": [...], "next": "<cursor>"|null} or {"groups": [...]}
//
// The language and evaluator are pure (no I/O). RunQuery(Project&, ...) at the
// end runs a query over a model's entities in a bucket, with a local cache.
//
// ---- where ----------------------------------------------------------------
// An object; its members are ANDed. A member is either a logical operator
//   "$and": [filter, ...]   "$or": [filter, ...]   (non-empty arrays of objects)
//   "$not": filter
// or a field path ("status", "customer.address.city", "items.0.sku") whose value
// is an operator object ({"$gte": 1, "$lt": 5}, operators ANDed) or any other
// value, meaning equality ("status": "active"; an object without "$" members
// means equality to that object). Field-level "$not" negates an operator object.
// Operators:
//   $eq $ne            equality in the total order below (1 == 1.0); {"$eq": null}
//                      also matches a missing field, $ne is its negation.
//   $gt $gte $lt $lte  range, TYPE-BRACKETED: the operand must be a scalar and only
//                      values of the same class (null, boolean, number, string)
//                      match: {"$lt": 5} never matches "abc", null or a missing field.
//   $in $nin           operand an array; $in is "equals one of" (null in the list
//                      matches a missing field); $nin its negation.
//   $exists            operand a boolean; true if the path reaches any value (null too).
//   $contains          array value: has an element equal to the operand;
//                      string value: the operand (a string) is a substring.
//   $startsWith $endsWith  string operand; byte-wise on UTF-8.
//   $regex             RE2 syntax (never backtracking), unanchored (use ^ $);
//                      sibling "$options" of letters i (case-insensitive),
//                      m (multi-line ^ $), s (dot matches \n). Compiled once.
// Paths and arrays (MongoDB rules): each segment steps into an object member;
// on an array, a numeric segment indexes it and any other segment steps into
// every element that is an object. A path may so reach several values; an
// operator matches if ANY reached value matches, and also if a reached value is
// an array and any of its elements matches ({"tags": "vip"} matches
// {"tags": ["a", "vip"]}; $contains and $exists look at reached values only).
// $ne, $nin and field-level $not are exact negations of $eq, $in and their operand.
//
// ---- total order (sorting, $eq, cursors, min/max, groups) --------------------
//   missing < null < false < true < numbers < strings < arrays < objects
// Numbers compare by mathematical value across int64, uint64 and double, exactly
// (INT64_MAX < 9223372036854775808u < 1e19; 2^53 + 1 > 9007199254740992.0);
// a NaN (never produced by parsing) sorts below every other number.
// Strings compare by bytes of their UTF-8, which is code point order.
// Arrays compare element by element, then a shorter prefix first. Objects compare
// as their (key, value) lists sorted by key bytes: first differing key (by bytes),
// then value, then fewer members first. See CompareJson().
//
// ---- sort, paging ------------------------------------------------------------
// "sort": ["-createdAt", "name"] or "-createdAt,name"; "-" descending, "+" or
// nothing ascending. A sort key is the single value at the path (through an
// array with a non-numeric segment: the array of the elements' values, like
// MongoDB's "$a.b" expression); a missing value sorts first ascending. Ties are
// broken by the entity key (ascending, byte order), so every order is total and
// paging is deterministic. Without "sort", results are in entity key order.
// "limit": integer >= 0 (absent: no limit). "offset": integer >= 0.
// "cursor": the "next" of a previous page of the same where + sort (limit and
// select may change). The next page starts strictly after the last returned
// entity's position (sort values + key), so entities inserted or deleted
// between pages make no page repeat or skip an entity that existed throughout.
// Cursor and offset cannot be combined. A cursor from another where/sort is
// refused (InvalidArgument). Format: base64url (no padding) of
//   [1, "<16 hex: fingerprint of where+sort>", [[v] or [] (missing), ...], "<key>"]
// "next" is set when more matching entities follow the page, else null/empty.
//
// ---- select ------------------------------------------------------------------
// "select": ["name", "customer.email"] keeps only those paths (nested shape
// preserved; through arrays, in every object element); ["-secret", "-a.b"]
// removes them instead (no mixing of the two forms). The identity fields ("id",
// or with a model every dynamic-segment field such as "deptId") are ALWAYS kept
// so results stay addressable; createdAt/updatedAt are kept only if selected.
// Numeric (array index) segments are refused in select.
//
// ---- aggregate ---------------------------------------------------------------
// {"groupBy": [paths], "count": true, "sum"|"avg"|"min"|"max"|"distinct": [paths]}
// (a single path string is accepted for any list). Output, groups sorted by key:
//   {"groups": [{"key": {"status": "active"}, "count": 3, "sum": {"amount": 120},
//                "avg": {...}, "min": {...}, "max": {...}, "distinct": {"f": [...]}}]}
// Group keys use the single value at the path (as sort); missing groups as null.
// Without groupBy there is exactly one group, key {}, even over no documents.
// Inputs of sum/avg/min/max/distinct are every value the path reaches, arrays
// unwound one level (sum of "items.price" adds every line's price). sum/avg take
// numbers only; sum of integers is an exact integer while it fits int64 (or
// uint64), else, or with any double, a double; sum of nothing is 0; avg of
// nothing is null. min/max use the total order and skip null; distinct keeps
// null and lists values in the total order. With "aggregate", limit/offset
// apply to groups; sort, select, cursor and populate are refused.
//
// ---- populate, withDeleted -----------------------------------------------------
// "populate" names ref fields to replace by the referenced document;
// "withDeleted" includes soft-deleted entities. The evaluator only carries
// them; RunQuery acts on them.
//
// ---- validation ----------------------------------------------------------------
// Compile() refuses, before any I/O, with InvalidArgument "query: <path>: <why>"
// where <path> locates the problem in the query (where.$or[1].amount.$gt): an
// unknown top-level member or operator, a range operator on an array/object,
// $in/$nin without an array, a bad $regex or $options, $and/$or not a non-empty
// array, a bad path, limit/offset not a non-negative integer, a bad cursor.
// With QueryOptions::model and strict: every path in where/sort/select/aggregate
// must name a declared field (nested object properties and array items too;
// id/createdAt/updatedAt and dynamic-segment names are always known) unless the
// model (or that object field) allows unknown fields; operands must fit the
// declared field's type; sum/avg must read numbers. With a model, populate
// paths must reach ref fields (strict or not).
//
// ---- memory --------------------------------------------------------------------
// The evaluator never holds the collection: a sorted query keeps a bounded heap
// of offset + limit entries; an unsorted one the same (ended early by Done()
// when documents arrive in key order); an aggregation one state per group (plus
// each distinct value). Only a query WITHOUT limit holds every match: that is
// its output.
//
// Thread-safety: a CompiledQuery is immutable and may be shared and used from
// any number of threads. A QueryEvaluator is used by one thread at a time.
// Query (the builder) is a plain value.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worm/options.h"
#include "worm/result.h"

namespace worm {

using Json = nlohmann::json;

class Project;

namespace schema {
struct Model;
}  // namespace schema

namespace query {
struct Plan;
class Evaluation;
}  // namespace query

// The total order above: <0, 0 or >0. A null pointer (or a discarded value)
// stands for a missing value.
int CompareJson(const Json& a, const Json& b);
int CompareJson(const Json* a, const Json* b);

struct QueryOptions {
  // When set: identity fields come from the model's dynamic segments, populate
  // must name ref fields, and (with `strict` and a strict model) paths and
  // operand types are checked against the fields. Must outlive Compile() only.
  const schema::Model* model = nullptr;
  // Refuse paths the model does not declare. Ignored without a model, and for
  // a model (or object field) that allows unknown fields.
  bool strict = true;
  // Identity fields kept by select and known to the type check. Empty: the
  // model's dynamic-segment names, or {"id"} without a model.
  std::vector<std::string> id_fields{};
};

// A parsed, checked and compiled query. Cheap to copy (shares the plan).
class CompiledQuery {
 public:
  // InvalidArgument "query: <path>: <why>" on any problem (see above).
  static Result<CompiledQuery> Compile(const Json& query, const QueryOptions& options = {});
  // Parses JSON text first (InvalidArgument with line and column).
  static Result<CompiledQuery> Parse(std::string_view text, const QueryOptions& options = {});

  // Whether `doc` passes "where". Allocation-free for typical filters.
  bool Matches(const Json& doc) const;
  // `doc` reduced by "select" (a copy of `doc` without select).
  Json Project(const Json& doc) const;

  const Json& source() const;  // the query as given
  bool is_aggregate() const;
  bool has_sort() const;
  std::optional<uint64_t> limit() const;
  uint64_t offset() const;
  bool has_cursor() const;
  const std::vector<std::string>& populate() const;
  bool with_deleted() const;
  const std::vector<std::string>& id_fields() const;
  // 16 hex digits identifying where + sort: what a cursor is bound to.
  const std::string& fingerprint() const;
  // The top-level document members that where, sort (hence the cursor) and
  // aggregate read, sorted and unique. A document reduced to them evaluates
  // as the whole one; select and populate need the whole document.
  std::vector<std::string> evaluated_fields() const;
  // Those of them "where" reads (sorted, unique; empty when everything
  // matches): enough for Matches.
  std::vector<std::string> filtered_fields() const;
  // Every field path where, sort, select and aggregate name, whole
  // ("customer.address.city"), sorted and unique: what access control
  // checks against the fields hidden from the caller.
  std::vector<std::string> referenced_paths() const;

 private:
  explicit CompiledQuery(std::shared_ptr<const query::Plan> plan) : plan_(std::move(plan)) {}
  friend class QueryEvaluator;
  std::shared_ptr<const query::Plan> plan_;
};

struct QueryItem {
  std::string key;  // the entity key given to Add
  Json document;    // projected unless EvaluatorOptions::project is false
};

struct QueryResult {
  std::vector<QueryItem> items;  // the page, in query order (not aggregates)
  std::string next_cursor;       // "" on the last page
  Json groups;                   // aggregates: the groups array; else null
  uint64_t scanned = 0;          // documents given to Add
  uint64_t matched = 0;          // of which passed where (and the cursor)
  // RunQuery over a project: stored documents left out because they cannot
  // be decoded (not JSON, nested deeper than kMaxJsonDepth), and referenced
  // ones populate could not read; each "<key>: <why> (stored object is
  // corrupt)". One bad object never makes the rest of a model unreadable.
  std::vector<std::string> problems;

  // {"items": [documents], "next": cursor|null} or {"groups": [...]}, plus
  // "problems": [...] when there are any.
  Json ToJson() const;
};

struct EvaluatorOptions {
  // Documents arrive in ascending key order (as a List returns them). Lets an
  // unsorted query stop early: see Done().
  bool keys_ascending = false;
  // Apply "select" to the returned items. Off: the caller populates first,
  // then calls CompiledQuery::Project itself.
  bool project = true;
};

// Streams documents through a compiled query. Memory: see the header comment.
// Not thread-safe; one evaluation per object.
class QueryEvaluator {
 public:
  explicit QueryEvaluator(CompiledQuery query, EvaluatorOptions options = {});
  ~QueryEvaluator();
  QueryEvaluator(QueryEvaluator&&) noexcept;
  QueryEvaluator& operator=(QueryEvaluator&&) noexcept;
  QueryEvaluator(const QueryEvaluator&) = delete;
  QueryEvaluator& operator=(const QueryEvaluator&) = delete;

  // Feeds one document with its entity key (unique within the collection).
  // Copies the document only if it may be part of the result.
  // InvalidArgument when keys_ascending was promised and `key` is not greater
  // than the previous key; FailedPrecondition after Finish().
  Status Add(std::string_view key, const Json& doc);
  Status Add(std::string_view key, Json&& doc);
  // As Add(key, std::move(doc)), calling attach(&kept) on the document when it
  // is kept as a result candidate (and only then): a caller evaluating a
  // reduced document attaches what restores the whole one to the few kept.
  Status Add(std::string_view key, Json&& doc, const std::function<void(Json*)>& attach);
  // Counts a document the caller already found not to pass "where"
  // (CompiledQuery::Matches, e.g. on a thread of its own) as Add would count
  // it. Same errors as Add.
  Status Skip(std::string_view key);
  // Add (with attach) of a document the caller already found to pass
  // "where": it is not tested again.
  Status AddMatch(std::string_view key, Json&& doc, const std::function<void(Json*)>& attach);
  // True when no further document can change the result (unsorted query,
  // keys_ascending, page full and one more match seen). Feeding more is harmless.
  bool Done() const;
  uint64_t scanned() const;
  uint64_t matched() const;
  // The result; the evaluator is spent afterwards.
  Result<QueryResult> Finish();

 private:
  std::unique_ptr<query::Evaluation> impl_;
};

// Evaluates `query` over (key, document) pairs in one go.
Result<QueryResult> RunQuery(const CompiledQuery& query,
                             const std::vector<std::pair<std::string, Json>>& documents,
                             EvaluatorOptions options = {});

// ---- running over a bucket ---------------------------------------------------

struct QueryRunOptions {
  // Root of the document cache; a model's cache is <cache_dir>/<model>/docs.sqlite.
  // Empty: "<project root>/.worm/cache" for a project on disk, else no cache.
  std::string cache_dir;
  bool use_cache = true;
  // Documents read in parallel (cache misses).
  int concurrency = 16;
  // Nested collections: only the children of these parent ids (e.g. {deptId}).
  EntityIds parent_ids;
};

struct QueryRunStats {
  uint64_t listed = 0;         // entities listed
  uint64_t cache_hits = 0;     // documents taken from the cache (no GET)
  uint64_t fetched = 0;        // documents fetched
  uint64_t populated = 0;      // referenced documents fetched for populate
  bool stopped_early = false;  // the listing stopped once the page was certain
  bool cache_used = false;
};

// Runs `query` over the entities of `model` in `project`:
//  1. compiles it against the model, and checks populate paths through the
//     refs (every error before any I/O);
//  2. lists the collection (and its trash with "withDeleted"), one LIST per
//     1,000 keys; ETags come with the listing;
//  3. takes each document from the cache when its ETag is unchanged (a row
//     is stored only when its bytes hash to their ETag, and used only while
//     intact), else reads it through the engine (Repository::ReadStored),
//     `concurrency` at a time, and refreshes the cache. Every document is
//     decoded by the engine's rules (Repository::Decode);
//  4. evaluates locally, stopping the listing early for unsorted queries whose
//     page is complete;
//  5. populates ref fields of the page (Repository::Populate: each referenced
//     entity read once) and applies select.
// How (threads, look-ahead, partial parsing): src/query/runner.h.
// Memory: one page of documents, up to two listed pages ahead (keys and
// ETags), plus the evaluator's (see above).
// A stored document that cannot be decoded (not JSON, nested deeper than
// kMaxJsonDepth) is left out and named in QueryResult::problems; the query
// goes on over the others.
// Errors: as CompiledQuery::Compile, NotFound for an unknown model, and the
// transport's.
// A cache that cannot be opened or written is skipped, never an error.
// Access control, over a project bound to a principal (repository.h): a
// where, sort, select, groupBy or aggregate naming a field hidden from it
// is refused (PermissionDenied naming the field) before any I/O, so no
// result or cursor carries one; rows it may not read (list and read, row
// level) are left out before counts, pages, cursors and aggregates, and so
// are not in QueryResult::scanned or the stats (rows failing "where" are not
// counted either then); items and populated documents lose hidden fields,
// and a ref it may not read stays an id.
// Thread-safety: as the Project (safe to call concurrently).
Result<QueryResult> RunQuery(Project& project, std::string_view model, const Json& query,
                             const QueryRunOptions& options = {}, QueryRunStats* stats = nullptr);

// CLI shorthand filters. One expression "<path><op><value>" with op one of
//   =  ==  !=  >  >=  <  <=  ~ (contains)
// e.g. "status=active", "amount>=100", "name!=x", "tags~vip". The value is JSON
// when it reads as a number, true, false, null or a "quoted string", else the
// raw text as a string ("zip=01234" is a number; "zip=\"01234\"" a string).
// Returns {"status": "active"} or {"amount": {"$gte": 100}}. InvalidArgument
// "filter '<expr>': <why>" for a missing operator or path.
Result<Json> ParseFilterShorthand(std::string_view expression);
// ANDs `where` (may be null or {}) with every shorthand filter.
Result<Json> WhereWithFilters(const Json& where, const std::vector<std::string>& filters);
// ANDs two where objects (null or {} stand for "everything").
Json AndWhere(const Json& a, const Json& b);

// A typed builder producing the same JSON one would write by hand:
//   Query().Where("amount").Gte(100).Sort("-createdAt").Limit(10)
//     -> {"where": {"amount": {"$gte": 100}}, "sort": ["-createdAt"], "limit": 10}
// Several conditions on one field share its operator object; a repeated
// operator goes to "$and". Nothing is checked until Compile().
class Query {
 public:
  class Field {
   public:
    Query& Eq(Json value);
    Query& Ne(Json value);
    Query& Gt(Json value);
    Query& Gte(Json value);
    Query& Lt(Json value);
    Query& Lte(Json value);
    Query& In(Json values);   // a JSON array
    Query& Nin(Json values);  // a JSON array
    Query& Exists(bool exists = true);
    Query& Contains(Json value);
    Query& StartsWith(std::string prefix);
    Query& EndsWith(std::string suffix);
    Query& Regex(std::string pattern, std::string options = "");

   private:
    friend class Query;
    Field(Query* query, std::string path) : query_(query), path_(std::move(path)) {}
    Query& Add(const char* op, Json value);
    Query* query_;
    std::string path_;
  };

  Query() = default;
  explicit Query(Json json) : json_(std::move(json)) {}

  Field Where(std::string path) { return Field(this, std::move(path)); }
  Query& And(const Json& filter);  // a raw where object, ANDed with what is there
  // ANDs {"$or": [each alternative's where]}.
  Query& Or(const std::vector<Query>& alternatives);
  Query& Not(const Query& negated);    // ANDs {"$not": negated's where}
  Query& Sort(std::string_view spec);  // "-createdAt" or "a,-b"; appends
  Query& Limit(int64_t n);
  Query& Offset(int64_t n);
  Query& Cursor(std::string cursor);
  Query& Select(std::vector<std::string> paths);
  Query& Populate(std::vector<std::string> paths);
  Query& WithDeleted(bool with_deleted = true);
  Query& GroupBy(std::vector<std::string> paths);
  Query& Count();
  Query& Sum(std::string path);
  Query& Avg(std::string path);
  Query& Min(std::string path);
  Query& Max(std::string path);
  Query& Distinct(std::string path);

  const Json& json() const { return json_; }
  Result<CompiledQuery> Compile(const QueryOptions& options = {}) const {
    return CompiledQuery::Compile(json_, options);
  }

 private:
  Query& AddAggregate(const char* what, std::string path);
  Json json_ = Json::object();
};

}  // namespace worm
