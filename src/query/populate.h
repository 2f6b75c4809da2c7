// Populate for query results: replaces ref fields of result documents by the
// documents they name, through the public Project/Repository API, fetching
// each referenced entity once per query. Follows the engine's rules
// (GetOptions::populate): "customerId", "a.b" (a nested object field),
// "customerId.ownerId" (through a populated document), arrays of refs;
// a missing referenced entity leaves the id in place, and so does one whose
// stored document cannot be read (DataLoss), which is added to problems().
//
// Thread-safety: one Populator per thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json_util.h"
#include "worm/result.h"

namespace worm {
class Project;
namespace schema {
struct Model;
}
}  // namespace worm

namespace worm::query {

class Populator {
 public:
  explicit Populator(Project* project) : project_(project) {}

  Status Populate(const schema::Model& model, Json& doc, const std::vector<std::string>& paths);
  uint64_t fetched() const { return fetched_; }
  // Referenced documents left as ids because they could not be decoded.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  Status PopulatePath(const schema::Model& model, Json& doc, const std::string& path, int depth);
  Status FetchInto(const std::string& ref_model, const std::string& rest, Json& slot, int depth);

  Project* project_;
  // (model, id) -> document, or nullopt when absent.
  std::map<std::pair<std::string, std::string>, std::optional<Json>> memo_;
  uint64_t fetched_ = 0;
  std::vector<std::string> problems_;
};

}  // namespace worm::query
