// Embeds S3WORM over a project folder on the local filesystem: writes the
// shop schema when the folder has none, opens the project, lists its models
// and fields, then creates, gets and queries entities.
//   embed_local <project-dir>
// Prints what it did; exits 1 naming the first thing that went wrong.
#include <worm/query.h>
#include <worm/repository.h>
#include <worm/schema.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "shop_schema.h"

namespace {

struct Customer {
  std::string id, name, email;
  int tier = 1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Customer, id, name, email, tier)

worm::Status Check(bool ok, const std::string& what) {
  return ok ? worm::Status::OK() : worm::Status::Internal("embed_local: " + what);
}

worm::Status Run(const std::string& dir) {
  std::filesystem::create_directories(dir + "/.worm");
  if (!std::filesystem::exists(dir + "/.worm/schema.json")) {
    std::ofstream(dir + "/.worm/schema.json") << kShopSchema;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<worm::Project> project, worm::Project::Open(dir));

  for (const worm::schema::Model& model : project->schema().models) {
    std::cout << model.name << " at " << model.path.source << ":";
    for (const worm::schema::Field& field : model.fields) {
      std::cout << " " << field.name << " (" << worm::schema::FieldTypeName(field.type)
                << (field.required ? ", required" : "") << ")";
    }
    std::cout << "\n";
  }

  ASSIGN_OR_RETURN(worm::Repository * customers, project->Get("Customer"));
  ASSIGN_OR_RETURN(worm::Entity ada,
                   customers->Create({{"name", "Ada"}, {"email", "ada@example.com"}}));
  ASSIGN_OR_RETURN(auto typed, project->Typed<Customer>("Customer"));
  ASSIGN_OR_RETURN(Customer grace,
                   typed.Create({.name = "Grace", .email = "grace@example.com", .tier = 3}));

  ASSIGN_OR_RETURN(worm::Entity got, customers->Get(ada.ids));
  RETURN_NOT_OK(Check(got.document["name"] == "Ada" && got.document["tier"] == 1,
                      "Get returned " + got.document.dump()));
  std::cout << "created " << ada.key << " and Grace (" << grace.id << ")\n";

  ASSIGN_OR_RETURN(worm::Repository * orders, project->Get("Order"));
  RETURN_NOT_OK(orders->Create({{"customerId", grace.id}, {"amount", 42.5}}).status());

  worm::Json query = worm::Query().Where("tier").Gte(3).Sort("name").json();
  ASSIGN_OR_RETURN(worm::QueryResult top, worm::RunQuery(*project, "Customer", query));
  RETURN_NOT_OK(Check(top.items.size() == 1 && top.items[0].document["name"] == "Grace",
                      "query returned " + top.ToJson().dump()));
  ASSIGN_OR_RETURN(worm::QueryResult with_customer,
                   worm::RunQuery(*project, "Order", {{"populate", {"customerId"}}}));
  RETURN_NOT_OK(Check(with_customer.items.size() == 1 &&
                          with_customer.items[0].document["customerId"]["name"] == "Grace",
                      "populate returned " + with_customer.ToJson().dump()));
  std::cout << "query: " << top.ToJson().dump() << "\n";
  std::cout << "embed_local: ok\n";
  return worm::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: embed_local <project-dir>\n";
    return 2;
  }
  worm::Status status = Run(argv[1]);
  if (!status.ok()) {
    std::cerr << status.ToString() << "\n";
    return 1;
  }
  return 0;
}
