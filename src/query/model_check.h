// Checks a compiled query against a schema Model before any I/O: every path
// names a declared field (nested properties and array items too), operands
// fit the field types, sum/avg read numbers, populate names ref fields.
// Uses the schema structs as plain data (no schema functions).
#pragma once

#include <string>
#include <vector>

#include "query/plan.h"
#include "worm/result.h"

namespace worm::schema {
struct Model;
}

namespace worm::query {

// The identity fields of a model: the names of its dynamic path segments.
std::vector<std::string> IdFieldsOf(const schema::Model& model);

// `strict`: check paths and operand types (QueryOptions::strict). Populate is
// always checked. InvalidArgument "<location>: ..." naming model and field.
Status CheckPlanAgainstModel(const Plan& plan, const schema::Model& model, bool strict);

}  // namespace worm::query
