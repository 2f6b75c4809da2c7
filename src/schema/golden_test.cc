// Golden tests: every table and example of the Path DSL seed (001), and the
// bucket tree of its full schema example. Files live in tests/golden/schema/;
// UPDATE_GOLDEN=1 rewrites them (review the diff by eye).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "schema/lint.h"
#include "schema/resolver.h"
#include "testing/test_util.h"

namespace worm::schema {
namespace {

using ::worm::testing::ExpectGolden;
using ::worm::testing::ReadFileOrDie;
using ::worm::testing::SourceDir;

constexpr char kCustomerA[] = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
constexpr char kCustomerB[] = "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70";
constexpr char kCustomerDeleted[] = "dead0000-beef-4000-8000-000000000001";
constexpr char kInvoice[] = "10000000-0000-4000-8000-000000000001";

Schema LoadOrDie(const std::string& text) {
  Result<Schema> s = LoadSchema(Json::parse(text));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : Schema{};
}

// The seed's tables use placeholder ids ("abc-123", "inv-001") that its own
// uuid regex refuses; this relaxed uuid lets the tables resolve as printed.
constexpr char kRelaxedUuid[] = R"j("uuid": {"regex": "^[A-Za-z0-9-]+$"})j";

std::string Or(const Result<std::string>& r) {
  return r.ok() ? *r : "ERROR " + r.status().message();
}

std::string FoldersText(const SystemFolders& f, const std::string& indent) {
  return indent + f.oplog + "\n" + indent + f.snapshots + "\n" + indent + f.trash + "\n";
}

// A tree of keys, folders first by byte order, like the seed's bucket picture.
class KeyTree {
 public:
  void Add(std::string_view key) {
    Node* n = &root_;
    size_t start = 0;
    while (true) {
      size_t slash = key.find('/', start);
      std::string part(key.substr(
          start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
      auto& child = n->children[part];
      if (!child) child = std::make_unique<Node>();
      n = child.get();
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
  }
  std::string Render(const std::string& root_name) const {
    std::string out = root_name + "/\n";
    Render(root_, "  ", &out);
    return out;
  }

 private:
  struct Node {
    std::map<std::string, std::unique_ptr<Node>> children;
  };
  static void Render(const Node& n, const std::string& indent, std::string* out) {
    for (const auto& [name, child] : n.children) {
      *out += indent + name + (child->children.empty() ? "" : "/") + "\n";
      Render(*child, indent + "  ", out);
    }
  }
  Node root_;
};

TEST(SeedGoldenTest, BasePathTable) {
  // DSL paths exactly as the seed's "Base Path Resolution" table has them.
  Schema schema = LoadOrDie(R"j({"dynamicTypes": {"iso": {"regex": "^\\d{4}-\\d{2}-\\d{2}$"}},
                                "models": {}})j");
  StorageResolver r(schema);
  std::string out = "# Seed 001, Base Path Resolution: DSL path -> base path\n";
  for (const char* dsl : {"#org/@customers/(id:uuid)", "#org/@settings",
                          "#data/@logs/(date:iso)/@entries", "#billing/@invoices/(id:uuid)"}) {
    Model m;
    Result<PathPattern> p = ParsePath(dsl, schema.symbols);
    ASSERT_OK(p.status());
    m.path = *p;
    out += std::string(dsl) + " -> " + r.BasePath(m) + "\n";
  }
  ExpectGolden("schema/seed_tables/base_paths.txt", out);
}

TEST(SeedGoldenTest, EntityKeyTable) {
  const std::string models = R"j("models": {
      "Customer": {"path": "#org/@customers/(id:uuid)", "file": "[profile].json"},
      "OrgSettings": {"path": "#org/@settings", "file": "[config].json", "singleton": true},
      "Invoice": {"path": "#billing/@invoices/(id:uuid)", "file": "[data].json"}})j";
  Schema strict = LoadOrDie("{" + models + "}");
  Schema relaxed =
      LoadOrDie(std::string("{\"dynamicTypes\": {") + kRelaxedUuid + "}, " + models + "}");
  struct Row {
    const char* model;
    EntityIds ids;
  };
  const Row rows[] = {{"Customer", {"abc-123"}}, {"OrgSettings", {}}, {"Invoice", {"inv-001"}}};
  std::string out = "# Seed 001, Entity Key Resolution: model definition | id -> key\n";
  for (const Schema* s : {&relaxed, &strict}) {
    out += s == &relaxed ? "\n## uuid relaxed to ^[A-Za-z0-9-]+$ (the table's placeholder ids)\n"
                         : "\n## the seed's uuid regex ^[0-9a-fA-F-]{36}$ refuses those ids\n";
    StorageResolver r(*s);
    for (const Row& row : rows) {
      const Model& m = *s->FindModel(row.model);
      out += "path: " + PrintPath(m.path, s->symbols) + ", file: " + PrintPath(m.file) +
             (m.singleton ? ", singleton" : "") + " | " + (row.ids.empty() ? "N/A" : row.ids[0]) +
             " -> " + Or(r.EntityKey(m, row.ids)) + "\n";
    }
  }
  StorageResolver r(strict);
  out += "\n## with real uuids\n";
  out += std::string(kCustomerA) + " -> " +
         Or(r.EntityKey(*strict.FindModel("Customer"), {kCustomerA})) + "\n";
  out += std::string(kInvoice) + " -> " +
         Or(r.EntityKey(*strict.FindModel("Invoice"), {kInvoice})) + "\n";
  ExpectGolden("schema/seed_tables/entity_keys.txt", out);
}

TEST(SeedGoldenTest, CollectionPrefixTable) {
  Schema s = LoadOrDie(R"j({"models": {
      "Customer": {"path": "#org/@customers/(id:uuid)", "file": "[profile].json"},
      "Invoice": {"path": "#billing/@invoices/(id:uuid)", "file": "[data].json"},
      "OrgSettings": {"path": "#org/@settings", "file": "[config].json", "singleton": true}}})j");
  StorageResolver r(s);
  std::string out = "# Seed 001, Collection Prefix: model -> prefix\n";
  for (const Model& m : s.models) out += m.name + " -> " + r.CollectionPrefix(m) + "\n";
  ExpectGolden("schema/seed_tables/collection_prefixes.txt", out);
}

TEST(SeedGoldenTest, SystemDirectoryResolution) {
  std::string out = "# Seed 001, System Directory Resolution (oplog, snapshots, trash)\n";
  for (const char* layout : {"root", "collection", "inline"}) {
    Schema s = LoadOrDie(std::string("{\"dynamicTypes\": {") + kRelaxedUuid +
                         "}, \"storage\": {\"layout\": \"" + layout + R"j("}, "models": {
        "Customer": {"path": "#org/@customers/(id:uuid)", "file": "[profile].json"},
        "OrgSettings": {"path": "#org/@settings", "file": "[config].json", "singleton": true},
        "Team": {"path": "#org/@departments/(deptId:uuid)/@teams/(teamId:uuid)/[roster].json"}}})j");
    StorageResolver r(s);
    out += std::string("\n## layout: ") + layout + "\n";
    Result<SystemFolders> f = r.SystemFoldersFor(*s.FindModel("Customer"), {"abc-123"});
    ASSERT_OK(f.status());
    out += "Customer abc-123 (the seed's rows):\n" + FoldersText(*f, "  ");
    out += "OrgSettings (singleton):\n" +
           FoldersText(r.SystemFolderTemplates(*s.FindModel("OrgSettings")), "  ");
    out += "Team (nested):\n" + FoldersText(r.SystemFolderTemplates(*s.FindModel("Team")), "  ");
  }
  ExpectGolden("schema/seed_tables/system_folders.txt", out);
}

// One seed example: its models, then for each the parse, the resolver's
// answers for `ids`, and the system folders in every layout.
std::string DescribeExample(const std::string& schema_text,
                            const std::map<std::string, EntityIds>& ids) {
  Schema s = LoadOrDie(schema_text);
  StorageResolver r(s);
  std::string out;
  KeyTree tree;
  for (const Model& m : s.models) {
    const EntityIds& mids = ids.at(m.name);
    out += "model " + m.name + "\n  dsl: " + PrintPath(m.full, s.symbols) + "\n  segments:\n";
    static const char* kKinds[] = {"namespace", "collection", "dynamic", "file"};
    for (const Segment& seg : m.full.segments) {
      out += "    col " + std::to_string(seg.column) + " " + kKinds[static_cast<int>(seg.kind)] +
             " " + seg.name + (seg.type.empty() ? "" : " : " + seg.type) + seg.extension + "\n";
    }
    out += "  singleton: " + std::string(m.singleton ? "yes" : "no") +
           ", idType: " + (m.id_type.empty() ? "-" : m.id_type) +
           ", idOperator: " + (m.id_operator.empty() ? "-" : m.id_operator) + "\n";
    out += "  base path: " + r.BasePath(m) + "\n  collection prefix: " + r.CollectionPrefix(m) +
           "\n  key template: " + r.KeyTemplate(m) + "\n";
    std::string joined;
    for (const std::string& id : mids) joined += (joined.empty() ? "" : ", ") + id;
    Result<std::string> key = r.EntityKey(m, mids);
    out += "  ids [" + joined + "]\n    entity path: " + Or(r.EntityPath(m, mids)) +
           "\n    entity key: " + Or(key) + "\n";
    if (key.ok()) {
      tree.Add(*key);
      Result<std::pair<const Model*, EntityIds>> back = r.Classify(*key);
      out += "    classify: " + (back.ok() ? back->first->name : back.status().message()) + "\n";
    }
    for (Layout layout : {Layout::kRoot, Layout::kCollection, Layout::kInline}) {
      Model copy = m;
      copy.layout = layout;
      out += "  layout " + std::string(LayoutName(layout)) + ":\n" +
             FoldersText(r.SystemFolderTemplates(copy), "    ");
    }
  }
  return out + "\nkeys:\n" + tree.Render("bucket");
}

TEST(SeedGoldenTest, ExampleBasicCollection) {
  ExpectGolden("schema/examples/basic.txt", DescribeExample(R"j({"models": {"Customer": {
                   "path": "#org/@customers/(id:uuid)/[profile].json"}}})j",
                                                            {{"Customer", {kCustomerA}}}));
}

TEST(SeedGoldenTest, ExampleMultipleFilesPerEntity) {
  ExpectGolden("schema/examples/multiple_files.txt",
               DescribeExample(R"j({"paths": ["#org/@customers/(id:uuid)/[profile].json",
                                             "#org/@customers/(id:uuid)/[invoices].json"],
                   "models": {
                   "Customer": {"path": "#org/@customers/(id:uuid)/[profile].json"},
                   "CustomerInvoices": {"path": "#org/@customers/(id:uuid)/[invoices].json"}}})j",
                               {{"Customer", {kCustomerA}}, {"CustomerInvoices", {kCustomerA}}}));
}

TEST(SeedGoldenTest, ExampleSingleton) {
  ExpectGolden("schema/examples/singleton.txt", DescribeExample(R"j({"models": {"OrgSettings": {
                   "path": "#org/@settings/[config].json", "singleton": true}}})j",
                                                                {{"OrgSettings", {}}}));
}

TEST(SeedGoldenTest, ExampleEvmAddressCollection) {
  ExpectGolden("schema/examples/evm.txt",
               DescribeExample(R"j({"models": {"Account": {
                   "path": "#wallets/@accounts/(addr:evm)/[balance].json"}}})j",
                               {{"Account", {"0x742d35Cc6634C0532925a3b844Bc9e7595f2bD18"}}}));
}

TEST(SeedGoldenTest, ExampleNestedCollections) {
  ExpectGolden("schema/examples/nested.txt", DescribeExample(R"j({"models": {"Team": {
                   "path": "#org/@departments/(deptId:uuid)/@teams/(teamId:uuid)/[roster].json"}}})j",
                                                             {{"Team", {kCustomerA, kCustomerB}}}));
}

TEST(SeedGoldenTest, ExampleDatePartitionedLogs) {
  const std::string date_type = R"j("date": {"regex": "^\\d{4}-\\d{2}-\\d{2}$"})j";
  const std::string models = R"j("models": {"Event": {
      "path": "#data/@logs/(date:date)/@entries/(id:uuid)/[event].json"}}})j";
  std::string out = "# the seed's id abc-123 under the seed's uuid regex\n";
  out += DescribeExample("{\"dynamicTypes\": {" + date_type + "}, " + models,
                         {{"Event", {"2026-02-24", "abc-123"}}});
  out += "\n# with uuid relaxed to ^[A-Za-z0-9-]+$, as the seed prints it\n";
  out += DescribeExample("{\"dynamicTypes\": {" + date_type + ", " + kRelaxedUuid + "}, " + models,
                         {{"Event", {"2026-02-24", "abc-123"}}});
  ExpectGolden("schema/examples/date_logs.txt", out);
}

std::string FullExampleText() {
  return ReadFileOrDie(SourceDir() / "tests/golden/schema/full_example/schema.json");
}

TEST(SeedGoldenTest, FullExampleBucketTree) {
  Schema s = LoadOrDie(FullExampleText());
  StorageResolver r(s);
  KeyTree tree;
  tree.Add(kBucketSentinelKey);
  for (const Model& m : s.models) tree.Add(r.SentinelKey(m));
  const Model& customer = *s.FindModel("Customer");
  // Two live customers, the first updated once (two oplog entries), the
  // second just created; a third soft-deleted into the trash.
  for (const char* id : {kCustomerA, kCustomerB, kCustomerDeleted}) {
    Result<SystemFolders> f = r.SystemFoldersFor(customer, {id});
    ASSERT_OK(f.status());
    if (id == kCustomerDeleted) {
      tree.Add(f->trash + "profile.json");
      tree.Add(f->trash + ".worm.tombstone");
      continue;
    }
    tree.Add(*r.EntityKey(customer, {id}));
    tree.Add(f->oplog + "0001.json");
    if (id == kCustomerA) tree.Add(f->oplog + "0002.json");
  }
  tree.Add(*r.EntityKey(*s.FindModel("Invoice"), {kInvoice}));
  tree.Add(*r.EntityKey(*s.FindModel("OrgSettings"), {}));
  ExpectGolden("schema/full_example/tree.txt", tree.Render("my-bucket"));
}

TEST(SeedGoldenTest, FullExamplePathsAndLint) {
  Schema s = LoadOrDie(FullExampleText());
  StorageResolver r(s);
  std::string out;
  for (const Model& m : s.models) {
    SystemFolders f = r.SystemFolderTemplates(m);
    out += m.name + "\n  base path: " + r.BasePath(m) +
           "\n  collection prefix: " + r.CollectionPrefix(m) +
           "\n  key template: " + r.KeyTemplate(m) +
           "\n  layout: " + std::string(LayoutName(s.LayoutOf(m))) + "\n  oplog: " + f.oplog +
           "\n  snapshots: " + f.snapshots + "\n  trash: " + f.trash + "\n";
  }
  ExpectGolden("schema/full_example/paths.txt", out);
  std::string lint;
  for (const Diagnostic& d : LintSchemaText(FullExampleText())) {
    lint += FormatDiagnostic(d, "schema.json") + "\n";
  }
  ExpectGolden("schema/full_example/lint.txt", lint);
}

TEST(LintGoldenTest, ManyMistakes) {
  std::string text = ReadFileOrDie(SourceDir() / "tests/golden/schema/lint_many/schema.json");
  std::string out;
  for (const Diagnostic& d : LintSchemaText(text)) {
    out += FormatDiagnostic(d, "schema.json") + "\n";
  }
  ExpectGolden("schema/lint_many/diagnostics.txt", out);
}

}  // namespace
}  // namespace worm::schema
