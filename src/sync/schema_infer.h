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
// The sample (step 3's input) is fetched by SampleDocuments, the only
// function here doing I/O. All are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "worm/transport.h"

namespace worm::sync {

// Documents sampled per model (bounded, whatever the collection size).
inline constexpr size_t kSamplesPerModel = 50;
inline constexpr size_t kMaxEnumValues = 10;
inline constexpr size_t kMinEnumSamples = 20;
// GETs in flight while sampling: enough to hide an S3 round trip without
// flooding the server (a sample is at most kSamplesPerModel per model).
inline constexpr int kSampleJobs = 8;

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

// The keys of `model` to sample: up to kSamplesPerModel, spread evenly over
// the collection rather than its first keys.
std::vector<std::string> SampleKeys(const InferredModel& model);

// The sample of every model (by name): its SampleKeys fetched from `remote`
// with up to `threads` GETs in flight and parsed, in SampleKeys order.
// Documents that cannot be read (gone, denied, ...) or are not JSON are left
// out, so a model may get fewer samples, or none. Never fails.
std::map<std::string, std::vector<Json>> SampleDocuments(Transport& remote,
                                                         const std::vector<InferredModel>& models,
                                                         int threads = kSampleJobs);

// Step 3 over parsed sample documents of one model: the "fields" object.
Json InferFields(const std::vector<Json>& samples, const std::vector<std::string>& skip);

// The whole schema.json document. `samples(model)` returns up to
// kSamplesPerModel parsed documents of the model.
Json BuildSchema(const std::vector<InferredModel>& models,
                 const std::function<std::vector<Json>(const InferredModel&)>& samples);

}  // namespace worm::sync
