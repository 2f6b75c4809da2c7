// kOpenApi: openapi.json (3.1) for the REST API docs/codegen.md defines and
// the gateway serves. components.schemas holds ModelJsonSchema's output
// (<Model>, <Model>Input, and <Model>Patch: the input with nothing required
// at the top, for merge patches), so it cannot drift from kJsonSchema.
//
// Paths per model (ids are the model's dynamic segments, in order):
//   collection: /models/<M>/{parents...}          GET list, POST create
//               /models/<M>/{parents...}/{id}     GET, PUT, PATCH, DELETE
//   singleton:  /models/<M>                        GET, PUT, PATCH, DELETE
//   both:       /query/<M> POST (a query), /batch/<M> POST (operations)
#include <map>

#include "codegen/codegen_internal.h"
#include "codegen/common.h"

namespace worm::codegen::internal {
namespace {

Json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }
Json RespRef(const std::string& name) { return {{"$ref", "#/components/responses/" + name}}; }

Json JsonBody(const Json& schema, const std::string& type = "application/json") {
  return {{"content", {{type, {{"schema", schema}}}}}};
}

Json Errors(std::initializer_list<const char*> which) {
  Json out = Json::object();
  for (const char* code : which) {
    static const std::map<std::string, std::string> kNames = {
        {"400", "BadRequest"}, {"401", "Unauthenticated"}, {"403", "Forbidden"},
        {"404", "NotFound"},   {"409", "Conflict"},        {"412", "PreconditionFailed"},
        {"500", "Internal"}};
    out[code] = RespRef(kNames.at(code));
  }
  out["default"] = RespRef("Error");
  return out;
}

Json EntityResponse(const std::string& model, const std::string& what) {
  Json r = JsonBody(Ref(model));
  r["description"] = what;
  r["headers"] = {
      {"ETag",
       {{"description", "The entity's version, for If-Match"}, {"schema", {{"type", "string"}}}}}};
  return r;
}

Json IfMatch() {
  return {{"name", "If-Match"},
          {"in", "header"},
          {"required", false},
          {"description", "Only when the entity still has this ETag (else 412)"},
          {"schema", {{"type", "string"}}}};
}

Json ListResponse(const std::string& model) {
  Json schema = {{"type", "object"},
                 {"required", Json::array({"items"})},
                 {"properties",
                  {{"items", {{"type", "array"}, {"items", Ref(model)}}},
                   {"nextCursor",
                    {{"type", Json::array({"string", "null"})},
                     {"description", "Pass as cursor for the next page"}}}}}};
  Json r = JsonBody(schema);
  r["description"] = "One page of " + model + " entities";
  return r;
}

Json Components(const std::string& title) {
  (void)title;
  Json error = {{"type", "object"},
                {"required", Json::array({"error"})},
                {"properties",
                 {{"error",
                   {{"type", "object"},
                    {"required", Json::array({"code", "message"})},
                    {"properties",
                     {{"code",
                       {{"type", "string"},
                        {"description", "The status code name: InvalidArgument, NotFound, ..."}}},
                      {"message", {{"type", "string"}}}}}}}}}};
  Json responses = Json::object();
  for (auto [name, what] : std::initializer_list<std::pair<const char*, const char*>>{
           {"BadRequest", "The document or request is invalid (InvalidArgument)"},
           {"Unauthenticated", "No or a bad token (Unauthenticated)"},
           {"Forbidden", "Access control refused it (PermissionDenied)"},
           {"NotFound", "No such entity (NotFound)"},
           {"Conflict", "It already exists, or a concurrent write won (AlreadyExists, Aborted)"},
           {"PreconditionFailed", "If-Match did not match (FailedPrecondition)"},
           {"Internal", "The store failed (Internal, Unavailable)"},
           {"Error", "Any other error"}}) {
    Json r = JsonBody(Ref("Error"));
    r["description"] = what;
    responses[name] = r;
  }
  return {{"schemas", {{"Error", error}}}, {"responses", responses}};
}

}  // namespace

Result<std::vector<GeneratedFile>> GenerateOpenApi(const schema::Schema& schema,
                                                   const Options& options) {
  std::string title = options.api_title.empty() ? "S3WORM API" : options.api_title;
  Json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", title},
        {"version", schema.schema_version},
        {"description", std::string(kGeneratedNote) + " The REST API of docs/codegen.md."}}},
      {"jsonSchemaDialect", "https://spec.openapis.org/oas/3.1/dialect/base"}};
  Json components = Components(title);
  Json paths = Json::object();
  Json tags = Json::array();
  for (const schema::Model& m : schema.models) {
    const std::string& n = m.name;
    ASSIGN_OR_RETURN(Json stored, ModelJsonSchema(schema, m, false));
    ASSIGN_OR_RETURN(Json input, ModelJsonSchema(schema, m, true));
    Json patch = input;
    patch.erase("required");
    patch["title"] = n + "Patch";
    components["schemas"][n] = stored;
    components["schemas"][n + "Input"] = input;
    components["schemas"][n + "Patch"] = patch;
    tags.push_back({{"name", n}, {"description", "Model " + n + " (" + m.path.source + ")"}});

    Json params = Json::array();
    std::string path = "/models/" + n, parent_path;
    Json parent_params = Json::array();
    std::vector<const schema::Segment*> dyn = m.path.dynamic_segments();
    for (size_t i = 0; i < dyn.size(); ++i) {
      ASSIGN_OR_RETURN(std::string p, IdPattern(schema, *dyn[i], n + "." + dyn[i]->name));
      if (i + 1 == dyn.size()) {
        parent_path = path;
        parent_params = params;
      }
      path += "/{" + dyn[i]->name + "}";
      params.push_back({{"name", dyn[i]->name},
                        {"in", "path"},
                        {"required", true},
                        {"description", "Id (" + dyn[i]->type + ")"},
                        {"schema", {{"type", "string"}, {"pattern", p}}}});
    }
    auto op = [&](const std::string& id, const std::string& summary) {
      return Json{{"operationId", id}, {"summary", summary}, {"tags", Json::array({n})}};
    };
    Json item = Json::object();
    if (!params.empty()) item["parameters"] = params;
    Json get = op("get" + n, "Read one " + n);
    get["responses"] = Errors({"400", "401", "403", "404", "500"});
    get["responses"]["200"] = EntityResponse(n, "The " + n);
    item["get"] = get;
    if (m.mode != schema::Mode::kReadOnly) {
      Json put = op("replace" + n,
                    dyn.empty() ? "Create or replace the " + n : "Create or replace one " + n);
      put["parameters"] = Json::array({IfMatch()});
      put["requestBody"] = JsonBody(Ref(n + "Input"));
      put["requestBody"]["required"] = true;
      put["responses"] = Errors({"400", "401", "403", "404", "409", "412", "500"});
      put["responses"]["200"] = EntityResponse(n, "The stored " + n);
      Json patch_op = op("patch" + n, "Merge-patch one " + n + " (RFC 7396)");
      patch_op["parameters"] = Json::array({IfMatch()});
      patch_op["requestBody"] = JsonBody(Ref(n + "Patch"), "application/merge-patch+json");
      patch_op["requestBody"]["required"] = true;
      patch_op["responses"] = put["responses"];
      Json del = op("delete" + n, std::string("Delete one ") + n +
                                      (m.soft_delete ? " (to the trash; restorable)" : ""));
      del["parameters"] = Json::array({IfMatch()});
      del["responses"] = Errors({"400", "401", "403", "404", "409", "412", "500"});
      del["responses"]["204"] = {{"description", "Deleted"}};
      if (m.mode == schema::Mode::kReadWrite) {
        item["put"] = put;
        item["patch"] = patch_op;
        item["delete"] = del;
      }
    }
    paths[path] = item;

    if (!dyn.empty()) {
      Json coll = Json::object();
      if (!parent_params.empty()) coll["parameters"] = parent_params;
      Json list = op("list" + n, "List " + n + " entities, by key order");
      list["parameters"] = Json::array({{{"name", "limit"},
                                         {"in", "query"},
                                         {"required", false},
                                         {"schema", {{"type", "integer"}, {"minimum", 1}}}},
                                        {{"name", "cursor"},
                                         {"in", "query"},
                                         {"required", false},
                                         {"schema", {{"type", "string"}}}}});
      list["responses"] = Errors({"400", "401", "403", "404", "500"});
      list["responses"]["200"] = ListResponse(n);
      coll["get"] = list;
      if (m.mode != schema::Mode::kReadOnly) {
        Json create = op("create" + n, "Create a " + n +
                                           " (the last id generated by the "
                                           "model's operator or taken from the body)");
        create["requestBody"] = JsonBody(Ref(n + "Input"));
        create["requestBody"]["required"] = true;
        create["responses"] = Errors({"400", "401", "403", "404", "409", "500"});
        create["responses"]["201"] = EntityResponse(n, "The created " + n);
        create["responses"]["201"]["headers"]["Location"] = {{"description", "The entity's path"},
                                                             {"schema", {{"type", "string"}}}};
        coll["post"] = create;
      }
      paths[parent_path] = coll;
    }

    Json query_body = {
        {"type", "object"},
        {"additionalProperties", false},
        {"properties",
         {{"where", {{"type", "object"}, {"description", "A filter (docs/query.md)"}}},
          {"sort", {{"type", "array"}, {"items", {{"type", "string"}}}}},
          {"select", {{"type", "array"}, {"items", {{"type", "string"}}}}},
          {"limit", {{"type", "integer"}, {"minimum", 1}}},
          {"cursor", {{"type", "string"}}}}}};
    Json query = op("query" + n, "Query " + n + " entities");
    query["requestBody"] = JsonBody(query_body);
    query["requestBody"]["required"] = true;
    query["responses"] = Errors({"400", "401", "403", "500"});
    query["responses"]["200"] = ListResponse(n);
    query["responses"]["200"]["description"] =
        "Matching rows (whole " + n + " documents unless select projects them)";
    paths["/query/" + n] = {{"post", query}};

    if (m.mode != schema::Mode::kReadOnly) {
      Json ids = {{"type", "array"},
                  {"items", {{"type", "string"}}},
                  {"description", "The entity's ids, one per dynamic segment"}};
      Json operation = {
          {"type", "object"},
          {"required", Json::array({"op"})},
          {"additionalProperties", false},
          {"properties",
           {{"op",
             {{"enum", m.mode == schema::Mode::kAppendOnly
                           ? Json::array({"create"})
                           : Json::array({"create", "replace", "patch", "delete"})}}},
            {"ids", ids},
            {"ifMatch", {{"type", "string"}}},
            {"document",
             {{"type", "object"}, {"description", n + "Input (patch: " + n + "Patch)"}}}}}};
      Json result = {{"type", "object"},
                     {"required", Json::array({"ok"})},
                     {"properties",
                      {{"ok", {{"type", "boolean"}}},
                       {"entity", Ref(n)},
                       {"error", components["schemas"]["Error"]["properties"]["error"]}}}};
      Json batch = op("batch" + n, "Run operations on " + n +
                                       " entities, in order; each "
                                       "succeeds or fails alone (not a transaction)");
      batch["requestBody"] = JsonBody(
          {{"type", "object"},
           {"required", Json::array({"operations"})},
           {"additionalProperties", false},
           {"properties",
            {{"operations", {{"type", "array"}, {"items", operation}, {"maxItems", 1000}}}}}});
      batch["requestBody"]["required"] = true;
      batch["responses"] = Errors({"400", "401", "403", "500"});
      Json br = JsonBody({{"type", "object"},
                          {"required", Json::array({"results"})},
                          {"properties", {{"results", {{"type", "array"}, {"items", result}}}}}});
      br["description"] = "One result per operation, in order";
      batch["responses"]["200"] = br;
      paths["/batch/" + n] = {{"post", batch}};
    }
  }
  doc["paths"] = paths;
  doc["components"] = components;
  doc["tags"] = tags;
  return std::vector<GeneratedFile>{{"openapi.json", doc.dump(2) + "\n"}};
}

}  // namespace worm::codegen::internal
