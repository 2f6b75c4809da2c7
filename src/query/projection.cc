#include "query/projection.h"

#include "core/strings.h"
#include "query/filter.h"

namespace worm::query {

namespace {

void AddToTrie(ProjectionNode* root, const FieldPath& path) {
  ProjectionNode* n = root;
  for (const PathSegment& seg : path.segments) {
    if (n->whole) return;  // an ancestor already covers it
    n = &n->children[seg.name];
  }
  n->whole = true;
  n->children.clear();
}

Json Include(const ProjectionNode& node, const Json& v);

// Includes `node` below each object element of an array; other elements go.
Json IncludeArray(const ProjectionNode& node, const Json& arr) {
  Json out = Json::array();
  for (const Json& e : arr) {
    if (e.is_object()) out.push_back(Include(node, e));
  }
  return out;
}

Json Include(const ProjectionNode& node, const Json& obj) {
  Json out = Json::object();
  for (const auto& [name, child] : node.children) {
    auto it = obj.find(name);
    if (it == obj.end()) continue;
    if (child.whole) {
      out[name] = *it;
    } else if (it->is_object()) {
      out[name] = Include(child, *it);
    } else if (it->is_array()) {
      out[name] = IncludeArray(child, *it);
    }
  }
  return out;
}

void Exclude(const ProjectionNode& node, Json* v) {
  if (v->is_array()) {
    for (Json& e : *v) {
      if (e.is_object()) Exclude(node, &e);
    }
    return;
  }
  if (!v->is_object()) return;
  for (const auto& [name, child] : node.children) {
    auto it = v->find(name);
    if (it == v->end()) continue;
    if (child.whole) {
      v->erase(it);
    } else {
      Exclude(child, &*it);
    }
  }
}

Status CheckSelectPath(const FieldPath& path, const std::string& at, bool exclude,
                       const std::vector<std::string>& id_fields) {
  for (const PathSegment& seg : path.segments) {
    if (seg.is_index) {
      return Status::InvalidArgument(at + ": array index '" + seg.name + "' in select path '" +
                                     path.text +
                                     "' (select a whole array or a member of its elements)");
    }
  }
  if (exclude && path.segments.size() == 1) {
    for (const std::string& id : id_fields) {
      if (id == path.text) {
        return Status::InvalidArgument(at + ": identity field '" + id +
                                       "' is always returned and cannot be excluded");
      }
    }
  }
  return Status::OK();
}

}  // namespace

std::vector<std::string> SplitList(std::string_view text) {
  return SplitNonEmpty(text, ',', " \t");
}

Result<std::vector<LocatedPath>> ParsePathList(const Json& list, const std::string& location) {
  std::vector<std::string> items;
  if (list.is_string()) {
    items = SplitList(list.get<std::string>());
  } else if (list.is_array()) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) {
        return Status::InvalidArgument(
            IndexPath(location, i) + ": expects a field path string, got " + DescribeType(list[i]));
      }
      items.push_back(list[i].get<std::string>());
    }
  } else {
    return Status::InvalidArgument(location + ": expects an array of field paths, got " +
                                   DescribeType(list));
  }
  std::vector<LocatedPath> out;
  for (size_t i = 0; i < items.size(); ++i) {
    LocatedPath lp;
    lp.location = IndexPath(location, i);
    std::string_view text = items[i];
    // A sort or exclusion sign stays for the caller to interpret.
    ASSIGN_OR_RETURN(lp.path, ParseFieldPath(text, lp.location));
    out.push_back(std::move(lp));
  }
  return out;
}

Result<Projection> CompileProjection(const Json& select, const std::vector<std::string>& id_fields,
                                     const std::string& location) {
  Projection p;
  if (select.is_null()) return p;
  ASSIGN_OR_RETURN(std::vector<LocatedPath> raw, ParsePathList(select, location));
  for (LocatedPath& lp : raw) {
    bool exclude = !lp.path.text.empty() && lp.path.text[0] == '-';
    Projection::Mode mode = exclude ? Projection::Mode::kExclude : Projection::Mode::kInclude;
    if (p.mode != Projection::Mode::kNone && p.mode != mode) {
      return Status::InvalidArgument(lp.location +
                                     ": select mixes included and excluded (\"-\") paths; use "
                                     "one form");
    }
    p.mode = mode;
    if (exclude) {
      ASSIGN_OR_RETURN(lp.path, ParseFieldPath(lp.path.text.substr(1), lp.location));
    }
    RETURN_NOT_OK(CheckSelectPath(lp.path, lp.location, exclude, id_fields));
    AddToTrie(&p.root, lp.path);
    p.paths.push_back(std::move(lp));
  }
  return p;
}

Json ApplyProjection(const Projection& projection, const std::vector<std::string>& id_fields,
                     const Json& doc) {
  if (projection.mode == Projection::Mode::kNone || !doc.is_object()) return doc;
  if (projection.mode == Projection::Mode::kExclude) {
    Json out = doc;
    Exclude(projection.root, &out);
    return out;
  }
  Json out = Include(projection.root, doc);
  for (const std::string& id : id_fields) {
    auto it = doc.find(id);
    if (it != doc.end()) out[id] = *it;
  }
  return out;
}

}  // namespace worm::query
