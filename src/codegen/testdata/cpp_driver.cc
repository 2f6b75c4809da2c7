// Compiled by cpp_test.cc with the system compiler (-Wall -Wextra -Werror,
// -shared -fPIC) against the headers `worm codegen --lang cpp` just wrote,
// then dlopened: round trips through Project::Typed<T> on a memory transport
// and FromJson's verdict against the engine's Create for a set of documents.
#include <cstring>
#include <string>

#include "example_models.h"
#include "rich_models.h"
#include "worm/repository.h"
#include "worm/transport.h"

namespace {

#define EXPECT(cond)                                                                       \
  do {                                                                                     \
    if (!(cond)) return std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #cond; \
  } while (0)

std::unique_ptr<worm::Project> Open(const char* schema_text) {
  auto s = worm::schema::LoadSchema(nlohmann::json::parse(schema_text));
  if (!s.ok()) return nullptr;
  return worm::Project::Create(std::move(s).value(), worm::NewMemoryTransport());
}

// FromJson and Repository::Create agree on `doc` (a fresh project each time).
template <typename T>
std::string Agrees(const char* schema_text, const char* model, const nlohmann::json& doc,
                   bool want_ok) {
  auto project = Open(schema_text);
  if (!project) return "schema does not load";
  auto repo = project->Get(model);
  if (!repo.ok()) return repo.status().message();
  worm::Result<worm::Entity> engine = (*repo)->Create(doc);
  worm::Result<T> generated = T::FromJson(doc);
  if (engine.ok() != generated.ok()) {
    return std::string(model) + " " + doc.dump() + ": engine " +
           (engine.ok() ? "accepts" : "refuses (" + engine.status().message() + ")") +
           ", FromJson " +
           (generated.ok() ? "accepts" : "refuses (" + generated.status().message() + ")");
  }
  if (engine.ok() != want_ok) return std::string(model) + " " + doc.dump() + ": unexpected verdict";
  if (!generated.ok() && generated.status().code() != worm::StatusCode::kInvalidArgument)
    return "FromJson refused with another code";
  return "";
}

std::string Run(const char* example, const char* rich) {
  using nlohmann::json;
  {
    auto project = Open(example);
    EXPECT(project != nullptr);
    auto customers = project->Typed<example::Customer>("Customer");
    EXPECT(customers.ok());
    example::Customer c;
    c.name = "Ada";
    c.email = "ada@example.com";
    auto created = customers->Create(c);
    EXPECT(created.ok());
    EXPECT(!created->id.empty());
    EXPECT(created->status == "active");  // the default
    EXPECT(!created->createdAt.empty());
    created->name = "Ada L.";
    created->status = "inactive";
    auto updated = customers->Update(*created);
    EXPECT(updated.ok());
    auto got = customers->Get(created->id);
    EXPECT(got.ok());
    EXPECT(got->name == "Ada L.");
    EXPECT(got->status == "inactive");
    EXPECT(got->createdAt == created->createdAt);

    auto invoices = project->Typed<example::Invoice>("Invoice");
    EXPECT(invoices.ok());
    example::Invoice inv;
    inv.customerId = created->id;
    inv.amount = 12.5;
    auto ci = invoices->Create(inv);
    EXPECT(ci.ok());
    EXPECT(ci->status == "draft");
    EXPECT(!ci->ownerId.has_value());

    auto settings = project->Typed<example::OrgSettings>("OrgSettings");
    EXPECT(settings.ok());
    example::OrgSettings os;
    os.orgName = "Acme";
    os.plan = "pro";
    EXPECT(settings->Create(os).ok());
    auto gs = settings->Get(worm::EntityIds{});
    EXPECT(gs.ok());
    EXPECT(gs->plan == std::optional<std::string>("pro"));
  }
  struct Case {
    const char* model;
    const char* doc;
    bool ok;
  };
  const Case example_cases[] = {
      {"Customer", R"({"name": "a", "email": "b"})", true},
      {"Customer", R"({"name": "a", "email": "b", "status": null})", true},
      {"Customer", R"({"email": "b"})", false},
      {"Customer", R"({"name": 1, "email": "b"})", false},
      {"Customer", R"({"name": "a", "email": "b", "status": "gone"})", false},
      {"Customer", R"({"name": "a", "email": "b", "zzz": 1})", false},
      {"Customer", R"({"name": "a", "email": "b", "id": "not-a-uuid"})", false},
      {"Customer", R"([1])", false},
      {"OrgSettings", R"({"orgName": "x", "plan": "free"})", true},
      {"OrgSettings", R"({"orgName": "x", "plan": "gold"})", false},
  };
  for (const Case& k : example_cases) {
    std::string why =
        k.model == std::string("Customer")
            ? Agrees<example::Customer>(example, k.model, json::parse(k.doc), k.ok)
            : Agrees<example::OrgSettings>(example, k.model, json::parse(k.doc), k.ok);
    if (!why.empty()) return why;
  }

  {
    auto project = Open(rich);
    EXPECT(project != nullptr);
    auto depts = project->Typed<rich::Dept>("Dept");
    EXPECT(depts.ok());
    rich::Dept d;
    d.title = "R&D";
    auto cd = depts->Create(d);
    EXPECT(cd.ok());
    EXPECT(!cd->deptId.empty());
    auto teams = project->Typed<rich::Team>("Team");
    EXPECT(teams.ok());
    rich::Team t;
    t.deptId = cd->deptId;
    t.name = "core";
    t.size = 7;
    t.score = 0.5;
    t.active = true;
    t.founded = "2024-02-29";
    t.at = "2026-02-24T10:11:12.5+01:00";
    t.address.street = "Main";
    t.address.extra["floor"] = 3;
    rich::Team::MembersItem m;
    m.who = "ada";
    m.tags = {"x", "y"};
    t.members.push_back(m);
    t.matrix = {{1, 2}, {3}};
    t.class_ = "k";
    t.first_2dname = "dash";
    t.meta = json{{"free", json::array({1, 2})}};
    auto ct = teams->Create(t);
    EXPECT(ct.ok());
    EXPECT(!ct->id.empty());
    EXPECT(ct->level == "junior");  // default
    auto gt = teams->Get(worm::EntityIds{ct->deptId, ct->id});
    EXPECT(gt.ok());
    EXPECT(gt->members.size() == 1 && gt->members[0].tags->size() == 2);
    EXPECT(gt->address.extra["floor"] == 3);
    EXPECT(gt->matrix->size() == 2 && (*gt->matrix)[0][1] == 2);
    EXPECT(gt->class_ == "k" && gt->first_2dname == "dash");
    EXPECT(gt->ToJson()["first-name"] == "dash");
    gt->size = 8;
    EXPECT(teams->Update(*gt).ok());
    EXPECT(teams->Get(worm::EntityIds{ct->deptId, ct->id})->size == 8);
    std::string dept = cd->deptId;
    const char* base = R"({"name": "n", "size": 1, "address": {"street": "s"}, "members": []})";
    auto with = [&](const char* key, json v) {
      json j = json::parse(base);
      j["deptId"] = dept;
      if (v.is_discarded())
        j.erase(key);
      else
        j[key] = v;
      return j;
    };
    struct RichCase {
      json doc;
      bool ok;
    };
    std::vector<RichCase> cases = {
        {with("name", "n"), true},
        {with("name", json::value_t::discarded), false},
        {with("size", 1.0), true},
        {with("size", 1.5), false},
        {with("size", 0), false},
        {with("size", 101), false},
        {with("size", "3"), false},
        {with("score", 1.5), false},
        {with("score", -0.0), true},
        {with("active", 1), false},
        {with("founded", "2023-02-29"), false},
        {with("founded", "2024-02-29"), true},
        {with("at", "2026-02-24T10:11:12+01:00"), true},
        {with("at", "2026-02-24T25:11:12+01:00"), false},
        {with("at", "2026-02-24"), false},
        {with("code", "AB12"), true},
        {with("code", "ab12"), false},
        {with("name", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), true},  // 6 code points
        {with("name", "abcdefghijk"), false},
        {with("level", "guru"), false},
        {with("level", nullptr), true},
        {with("address", json{{"street", 5}}), false},
        {with("address", json{{"zip", "1"}}), false},
        {with("address", json{{"street", "s"}, {"any", {1}}}), true},
        {with("members", json::array({json{{"who", "a"}, {"tags", {"t"}}}})), true},
        {with("members", json::array({json{{"who", "a"}, {"nope", 1}}})), false},
        {with("members", json::array({nullptr})), false},
        {with("members", json{{"who", "a"}}), false},
        {with("matrix", json::array({json::array({1, 2.5})})), false},
        {with("matrix", json::array({json::array({1, 2})})), true},
        {with("meta", json::array()), false},
        {with("meta", json{{"k", json::object()}}), true},
        {with("extraField", 1), false},
        {with("class", 1), false},
        {with("id", "x/y"), false},
    };
    json deep = json::object();
    json* at = &deep;
    for (int i = 0; i < 120; ++i) at = &((*at)["d"] = json::object());
    cases.push_back({with("meta", deep), false});
    json no_parent = json::parse(base);
    cases.push_back({no_parent, false});
    for (const RichCase& k : cases) {
      // Team creates need the Dept: make it in each fresh project.
      auto p = Open(rich);
      EXPECT(p != nullptr);
      auto dr = p->Get("Dept");
      EXPECT(dr.ok());
      EXPECT((*dr)->Create(json{{"deptId", dept}, {"title", "t"}}).ok());
      auto tr = p->Get("Team");
      EXPECT(tr.ok());
      worm::Result<worm::Entity> engine = (*tr)->Create(k.doc);
      worm::Result<rich::Team> generated = rich::Team::FromJson(k.doc);
      if (engine.ok() != generated.ok() || engine.ok() != k.ok) {
        return "Team " + k.doc.dump().substr(0, 200) + ": engine " +
               (engine.ok() ? "accepts" : "refuses (" + engine.status().message() + ")") +
               ", FromJson " +
               (generated.ok() ? "accepts" : "refuses (" + generated.status().message() + ")") +
               ", expected " + (k.ok ? "accept" : "refuse");
      }
    }
  }
  return "";
}

}  // namespace

extern "C" int cppgen_run(const char* example, const char* rich, char* error, std::size_t n) {
  std::string why;
  try {
    why = Run(example, rich);
  } catch (const std::exception& e) {
    why = std::string("exception: ") + e.what();
  }
  std::snprintf(error, n, "%s", why.c_str());
  return why.empty() ? 0 : 1;
}
