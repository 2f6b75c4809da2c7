#include "query/partial_json.h"

#include "testing/test_util.h"
#include "worm/query.h"

namespace worm::query {
namespace {

// Every member kept: the reduced document is exactly what nlohmann builds.
TEST(PartialParserTest, BuildsWhatTheFullParserBuilds) {
  const char* texts[] = {
      R"({"a":1,"b":-2,"c":1.5,"d":"x\u00e9\n","e":[1,[2,{"f":null}]],"g":{"h":true,"i":false}})",
      R"({"big":18446744073709551615,"neg":-9223372036854775808,"z":0,"mz":-0,"e":1e3})",
      R"({"dup":1,"dup":{"x":1},"o":{"k":1,"k":2}})",
      R"({})",
  };
  for (const char* text : texts) {
    Json full = Json::parse(text);
    std::vector<std::string> fields;
    for (auto it = full.begin(); it != full.end(); ++it) fields.push_back(it.key());
    PartialParser parser(fields);
    Json doc;
    ASSERT_TRUE(parser.Parse(text, &doc)) << text;
    EXPECT_EQ(TakeRaw(&doc, parser.RawMember()), std::nullopt);  // nothing attached yet
    Json kept = doc;
    parser.Attach(text, &kept);
    std::optional<std::string> raw = TakeRaw(&kept, parser.RawMember());
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(*raw, text);
    EXPECT_EQ(kept, doc);
    EXPECT_EQ(doc, full) << text;
    EXPECT_EQ(doc.dump(), full.dump()) << text;  // same number kinds too
  }
}

// Documents back to back in one buffer, as a query page holds them, parse
// in place: whatever follows a document (the next one, a truncated one,
// the padding) is not read as part of it.
TEST(PartialParserTest, PaddedTextsParseInPlaceAsCopiedOnes) {
  const std::vector<std::string> texts = {
      R"({"a":1,"s":"x"})",
      R"({"a":[1,2],"s":"y\"z"})",
      R"({"a":2)",
      R"(  {"a":3}  )",
      R"({"a":"\u00e9"})",
      R"({})",
      R"([1])",
      R"({"a":1}{"a":2})",
  };
  std::string arena;
  std::vector<std::pair<size_t, size_t>> spans;
  for (const std::string& t : texts) {
    spans.emplace_back(arena.size(), t.size());
    arena += t;
  }
  arena.append(PartialParser::kPadding, '"');  // padding that would break a string
  PartialParser in_place({"a", "s"}), copied({"a", "s"});
  for (size_t i = 0; i < texts.size(); ++i) {
    std::string_view text(arena.data() + spans[i].first, spans[i].second);
    Json a, b;
    bool ok_in_place = in_place.Parse(text, &a, /*padded=*/true);
    bool ok_copied = copied.Parse(texts[i], &b);
    EXPECT_EQ(ok_in_place, ok_copied) << texts[i];
    if (ok_in_place && ok_copied) EXPECT_EQ(a, b) << texts[i];
  }
}

TEST(PartialParserTest, KeepsOnlyTheNamedMembers) {
  PartialParser parser({"b", "missing", "b"});
  Json doc;
  ASSERT_TRUE(parser.Parse(R"({"a":1,"b":{"c":[1,2]},"d":"x"})", &doc));
  EXPECT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc["b"], Json::parse(R"({"c":[1,2]})"));
  EXPECT_FALSE(doc.contains("a"));
}

// Names are looked up by length first: names of equal length, the empty
// name, and names past the 64-byte length mask must all still be found.
TEST(PartialParserTest, FindsNamesOfAnyLength) {
  const std::string long_name(70, 'n'), longer_name(90, 'n');
  PartialParser parser({"ab", "ba", "", long_name});
  Json text = {{"ab", 1},
               {"ba", 2},
               {"bb", 3},
               {"", 4},
               {long_name, 5},
               {longer_name, 6},
               {std::string(64, 'n'), 7}};
  Json doc;
  ASSERT_TRUE(parser.Parse(text.dump(), &doc));
  EXPECT_EQ(doc, (Json{{"ab", 1}, {"ba", 2}, {"", 4}, {long_name, 5}}));
}

// Two stages: Parse builds the filter's members, AddLater the others, from
// the text Parse read last.
TEST(PartialParserTest, AddsTheLaterMembersOfTheLastText) {
  PartialParser parser({"status"}, {"amount", "tags"});
  Json first, second;
  ASSERT_TRUE(parser.Parse(R"({"status":"paid","amount":5,"tags":["x"],"other":1})", &first));
  EXPECT_EQ(first, (Json{{"status", "paid"}}));
  parser.AddLater(&first);
  EXPECT_EQ(first, (Json{{"status", "paid"}, {"amount", 5}, {"tags", {"x"}}}));
  ASSERT_TRUE(parser.Parse(R"({"amount":7,"status":"open"})", &second));
  parser.AddLater(&second);
  EXPECT_EQ(second, (Json{{"status", "open"}, {"amount", 7}}));
  // The text member avoids the later names too.
  PartialParser clash({"a"}, {"\x01raw"});
  EXPECT_EQ(clash.RawMember(), "\x01raw_");
}

TEST(PartialParserTest, RefusesWhatItCannotBuildExactly) {
  PartialParser parser({"a"});
  Json doc;
  EXPECT_FALSE(parser.Parse("{not json", &doc));
  EXPECT_FALSE(parser.Parse(R"({"a":1)", &doc));
  EXPECT_FALSE(parser.Parse("[1,2]", &doc));  // not an object
  EXPECT_FALSE(parser.Parse(R"({"a":"\ud800"})", &doc));
  // Beyond 64 bits: nlohmann makes a double; the caller's full parse decides.
  EXPECT_FALSE(parser.Parse(R"({"a":123456789012345678901234567890})", &doc));
}

TEST(PartialParserTest, TheTextMemberNeverCollides) {
  PartialParser parser({"\x01raw", "\x01raw_"});
  EXPECT_EQ(parser.RawMember(), "\x01raw__");
  // A parsed document never holds a binary value, whatever its member names.
  Json doc = Json::parse(R"({"\u0001raw__":"text"})");
  EXPECT_EQ(TakeRaw(&doc, parser.RawMember()), std::nullopt);
  EXPECT_EQ(doc.size(), 1u);
}

TEST(EvaluatedFieldsTest, NamesEveryTopLevelMemberTheEvaluatorReads) {
  auto q = CompiledQuery::Compile(Json::parse(R"({
      "where": {"a.b": 1, "$or": [{"c": {"$not": {"$gt": 1}}}, {"$not": {"d.0": 2}}]},
      "sort": ["-e.f", "a"], "select": ["s"], "limit": 3})"));
  ASSERT_OK(q.status());
  EXPECT_EQ(q->evaluated_fields(), (std::vector<std::string>{"a", "c", "d", "e"}));
  auto agg = CompiledQuery::Compile(Json::parse(R"({"where": {"w": 1},
      "aggregate": {"groupBy": ["g.x"], "sum": ["s"], "avg": ["v"], "min": ["m"],
                    "max": ["n"], "distinct": ["t"]}})"));
  ASSERT_OK(agg.status());
  EXPECT_EQ(agg->evaluated_fields(), (std::vector<std::string>{"g", "m", "n", "s", "t", "v", "w"}));
  EXPECT_EQ(agg->filtered_fields(), (std::vector<std::string>{"w"}));
  EXPECT_EQ(q->filtered_fields(), (std::vector<std::string>{"a", "c", "d"}));
  auto all = CompiledQuery::Compile(Json::object());
  ASSERT_OK(all.status());
  EXPECT_TRUE(all->evaluated_fields().empty());
  EXPECT_TRUE(all->filtered_fields().empty());
}

// The partial parser accepts exactly the nesting ParseJson accepts, so a
// cached document decodes alike either way and Convert's recursion is bounded.
TEST(PartialParserTest, RefusesNestingPastTheLimitAsParseJsonDoes) {
  auto text = [](int depth) {  // {"a": [[...]]}, `depth` levels in all
    return "{\"a\": " + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  PartialParser parser({"a"});
  Json doc;
  ASSERT_TRUE(parser.Parse(text(kMaxJsonDepth), &doc));
  EXPECT_EQ(JsonDepth(doc), kMaxJsonDepth);
  EXPECT_TRUE(ParseJson(text(kMaxJsonDepth)).ok());
  EXPECT_FALSE(parser.Parse(text(kMaxJsonDepth + 1), &doc));
  EXPECT_FALSE(ParseJson(text(kMaxJsonDepth + 1)).ok());
  EXPECT_FALSE(parser.Parse(text(200000), &doc));
  // A larger document later (the parser grows) keeps the limit.
  std::string big = "{\"pad\": \"" + std::string(1 << 20, 'x') +
                    "\", \"a\": " + std::string(kMaxJsonDepth, '[') +
                    std::string(kMaxJsonDepth, ']') + "}";
  EXPECT_FALSE(parser.Parse(big, &doc));
  ASSERT_TRUE(parser.Parse(text(3), &doc));
}

}  // namespace
}  // namespace worm::query
