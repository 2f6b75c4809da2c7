// Schema inference for `worm import --from-s3`: from the keys of an existing
// bucket and a bounded sample of its documents, propose a `.worm/schema.json`.
//
//  1. Keys are grouped by depth and document file name. Walking the segments
//     left to right, a position whose values look like ids (uuid, evm, sol,
//     int, date, or many distinct slugs) becomes a dynamic segment; any other
//     position splits the group by value into static segments.
//  2. Each group is a model: "#ns/@collection/(id:type)/[file].json". Names
//     come from the collection segment, singularized and PascalCased.
//  3. Fields come from sampled documents: type, required (present and non-null
//     in every sample), and small enums (<= kMaxEnumValues distinct strings
//     across >= kMinEnumSamples samples).
//
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/json_util.h"

namespace worm::sync {

// Documents sampled per model (bounded, whatever the collection size).
inline constexpr size_t kSamplesPerModel = 50;
inline constexpr size_t kMaxEnumValues = 10;
inline constexpr size_t kMinEnumSamples = 20;

// "uuid", "evm", "sol", "int", "date", "slug", or "" (no id shape).
std::string IdShapeOf(std::string_view value);

struct InferredModel {
  std::string name;
  std::string path;               // DSL without the file: "#org/@customers/(id:uuid)"
  std::string file;               // "[profile].json"
  std::string id_type;            // last dynamic segment's type, "" for a singleton
  std::vector<std::string> keys;  // every key the model matched
  std::vector<std::string> dynamic_names;
};

// Step 1 and 2: models from keys. System keys (a segment starting with '.')
// are ignored.
std::vector<InferredModel> InferModels(const std::vector<std::string>& keys);

// Step 3 over parsed sample documents of one model: the "fields" object.
Json InferFields(const std::vector<Json>& samples, const std::vector<std::string>& skip);

// The whole schema.json document. `samples(model)` returns up to
// kSamplesPerModel parsed documents of the model.
Json BuildSchema(const std::vector<InferredModel>& models,
                 const std::function<std::vector<Json>(const InferredModel&)>& samples);

}  // namespace worm::sync
