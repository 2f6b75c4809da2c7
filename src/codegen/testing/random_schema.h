// Seeded generators for the differential tests of the code generators
// (codegen.h): random schema.json documents covering every field type and
// model shape, and per model hundreds of valid and invalid documents. The
// engine's Repository::Create is the reference verdict; the tests check that
// the generated Zod schema, the JSON Schema (ajv) and the generated C++
// FromJson give the same one (src/codegen/testing/differential_test.cc).
//
// Both generators are pure functions of their seed: the same seed gives the
// same bytes on every machine (std::mt19937_64 and our own distributions,
// never std::uniform_*_distribution, whose output the standard leaves open).
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "worm/options.h"
#include "worm/schema.h"

namespace worm::codegen::testing {

// A valid schema.json: 1-6 models (collections with uuid, uuid7, int, evm,
// sol and custom ids, nested collections with 2-3 dynamic segments,
// singletons), per-model layouts and allowUnknownFields, and fields of every
// type with enums, defaults, required, refs (to earlier models only, so
// referenced entities can be created first), minimum/maximum,
// minLength/maxLength, patterns, nested objects and arrays.
Json RandomSchema(uint64_t seed);

// The ids of entities that exist, per model ("a/b" for nested ones), for
// documents' ref fields to point at.
using ExistingIds = std::map<std::string, std::vector<std::string>>;

struct TestDocument {
  std::string kind;  // what the generator meant: "valid", "wrong-type address.zip", ...
  std::string text;  // the JSON text every checker parses (numbers spelled as meant)
  // The ids Repository::Create gets (CreateOptions::ids): the parent ids and,
  // when the model has no id operator, the last id; empty when the document
  // carries its own id fields.
  EntityIds create_ids;
  // The engine may refuse it for a reason no static validator can know (a
  // ref to an entity that does not exist): left out of the comparison.
  bool dynamic = false;
};

// About `count` documents for `model` (at least one per mutation kind that
// applies), deterministic in `seed`.
std::vector<TestDocument> RandomDocuments(const schema::Schema& schema, const schema::Model& model,
                                          const ExistingIds& existing, uint64_t seed, int count);

// A document with valid values for every required field (and the ids to
// create it with), for the entities refs point at.
TestDocument MinimalDocument(const schema::Schema& schema, const schema::Model& model,
                             const ExistingIds& existing, uint64_t seed);

}  // namespace worm::codegen::testing
