#include "query/fuzz.h"

#include <string_view>

#include "query/cursor.h"
#include "worm/query.h"

namespace worm {

namespace {

const std::vector<std::pair<std::string, Json>>& FuzzDocuments() {
  static const auto* const kDocs = [] {
    auto* docs = new std::vector<std::pair<std::string, Json>>;
    const char* const kTexts[] = {
        R"({"id":"a","status":"active","amount":120,"tags":["vip","new"],"createdAt":"2024-01-01T00:00:00.000Z"})",
        R"({"id":"b","status":"closed","amount":-5.5,"customer":{"name":"Ada","address":{"city":"Paris"}}})",
        R"({"id":"c","status":null,"amount":9223372036854775807,"items":[{"sku":"x","price":1},{"sku":"y","price":2.5}]})",
        R"({"id":"d","amount":18446744073709551615,"name":"Ωmega ☃","nested":[[1,2],[3]],"flag":true})",
        R"({"id":"e","amount":1e308,"tags":[],"name":"","meta":{},"flag":false})",
        R"({"id":"f","amount":"12","tags":"vip","items":[1,"two",null,{"sku":"z"}]})",
        R"({"id":"g"})",
    };
    for (const char* t : kTexts) {
      Json d = Json::parse(t);
      docs->emplace_back(d["id"].get<std::string>(), d);
    }
    return docs;
  }();
  return *kDocs;
}

Status RunOnce(const CompiledQuery& q) {
  ASSIGN_OR_RETURN(QueryResult r, RunQuery(q, FuzzDocuments()));
  // Continue once from the cursor, when there is one.
  if (!r.next_cursor.empty()) {
    Json next = q.source();
    next["cursor"] = r.next_cursor;
    ASSIGN_OR_RETURN(CompiledQuery q2, CompiledQuery::Compile(next));
    RETURN_NOT_OK(RunQuery(q2, FuzzDocuments()).status());
  }
  (void)r.ToJson().dump(-1, ' ', false, Json::error_handler_t::replace);
  return Status::OK();
}

}  // namespace

Status FuzzQuery(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.starts_with("f:")) {
    ASSIGN_OR_RETURN(Json where, ParseFilterShorthand(text.substr(2)));
    ASSIGN_OR_RETURN(CompiledQuery q, CompiledQuery::Compile(Json{{"where", where}}));
    return RunOnce(q);
  }
  if (text.starts_with("c:")) {
    return query::DecodeCursor(text.substr(2), "0000000000000000", 1).status();
  }
  ASSIGN_OR_RETURN(CompiledQuery q, CompiledQuery::Parse(text));
  return RunOnce(q);
}

}  // namespace worm
