// A trace as the indented tree of the guide's trace tree (docs/tracing-guide.md), and
// a query result as an aligned table (the `flock` command's text output).
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/json_parse.hpp"
#include "flock/trace_reader.hpp"

namespace flockcpp {

namespace {

// One format for every duration: milliseconds with two decimals.
std::string format_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fms", ms);
  return buf;
}

// The agent an Agent.execute span ran ("" for any other span): five agent
// executions side by side read apart only by it.
std::string agent_of(const StoredSpan& s) {
  if (s.name != "Agent.execute") return {};
  Json attrs = detail::parse_json_bounded(s.attributes);
  if (!attrs.is_object() || !attrs.contains("agent") || !attrs["agent"].is_object()) return {};
  const Json& agent = attrs["agent"];
  return agent.contains("name") && agent["name"].is_string() ? agent["name"].get<std::string>() : std::string();
}

struct TreeWriter {
  std::multimap<std::string, const StoredSpan*> children;  // parent id -> child, in start order
  bool color;
  std::string out;

  void line(const StoredSpan& s, const std::string& prefix, const std::string& branch, bool root, bool cycle) {
    bool error = s.status_code == "ERROR";
    out += prefix + branch;
    if (color && error) out += "\033[31m";
    if (color && root) out += "\033[1m";
    out += s.name;
    if (color && (error || root)) out += "\033[0m";
    if (std::string agent = agent_of(s); !agent.empty()) out += " [" + agent + "]";
    out += " (" + format_ms(s.duration_ms) + ")";
    if (cycle) out += " (parent cycle)";
    if (root) out += " <- ROOT";
    if (error) {
      out += color ? " \033[31m[ERROR" : " [ERROR";
      if (!s.status_description.empty()) out += ": " + s.status_description;
      out += color ? "]\033[0m" : "]";
    }
    out += '\n';
  }

  void walk(const StoredSpan& s, const std::string& prefix, bool last, bool root, bool cycle) {
    line(s, prefix, root ? "" : (last ? "\xE2\x94\x94\xE2\x94\x80 " : "\xE2\x94\x9C\xE2\x94\x80 "), root, cycle);
    std::string next = root ? "" : prefix + (last ? "   " : "\xE2\x94\x82  ");
    auto [b, e] = children.equal_range(s.span_id);
    std::vector<const StoredSpan*> kids;
    for (auto it = b; it != e; ++it) kids.push_back(it->second);
    for (std::size_t i = 0; i < kids.size(); ++i) walk(*kids[i], next, i + 1 == kids.size(), false, false);
  }
};

// The spans whose parent chain comes back to themselves (a span that is its
// own parent included): broken or hostile data that no root leads to. One
// pass, each span visited once.
std::unordered_set<const StoredSpan*> parent_cycles(const std::vector<const StoredSpan*>& spans,
                                                    const std::map<std::string, const StoredSpan*>& by_id) {
  enum State { OnPath, Done };
  std::unordered_map<const StoredSpan*, State> state;
  std::unordered_set<const StoredSpan*> in_cycle;
  std::vector<const StoredSpan*> path;
  for (const StoredSpan* start : spans) {
    const StoredSpan* at = start;
    while (at != nullptr && state.find(at) == state.end()) {
      state[at] = OnPath;
      path.push_back(at);
      auto parent = at->parent_id.empty() ? by_id.end() : by_id.find(at->parent_id);
      at = parent == by_id.end() ? nullptr : parent->second;
    }
    if (at != nullptr && state[at] == OnPath) {
      // The path came back to `at`: the loop is the path from it on.
      for (auto it = std::find(path.begin(), path.end(), at); it != path.end(); ++it) in_cycle.insert(*it);
    }
    for (const StoredSpan* p : path) state[p] = Done;
    path.clear();
  }
  return in_cycle;
}

}  // namespace

std::string render_trace_tree(const std::vector<StoredSpan>& spans, bool color) {
  std::vector<const StoredSpan*> ordered;
  for (const auto& s : spans) ordered.push_back(&s);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const StoredSpan* a, const StoredSpan* b) { return a->start_time < b->start_time; });
  TreeWriter w{{}, color, {}};
  std::map<std::string, const StoredSpan*> by_id;
  for (const auto* s : ordered) by_id[s->span_id] = s;
  // A span in a parent cycle is shown as a root, flagged, with what hangs
  // below it: no root leads to it, and following its parent never ends.
  std::unordered_set<const StoredSpan*> in_cycle = parent_cycles(ordered, by_id);
  std::vector<const StoredSpan*> roots;
  for (const auto* s : ordered) {
    if (s->parent_id.empty() || by_id.count(s->parent_id) == 0 || in_cycle.count(s) != 0) {
      roots.push_back(s);  // a root, a span whose parent is not stored, or one in a cycle
    } else {
      w.children.emplace(s->parent_id, s);
    }
  }
  for (const auto* r : roots) w.walk(*r, "", true, true, in_cycle.count(r) != 0);
  return w.out;
}

std::string render_table(const QueryResult& result) {
  std::vector<std::size_t> width(result.columns.size(), 0);
  auto cell = [](const std::optional<std::string>& v) { return v.value_or("NULL"); };
  // Display width: count UTF-8 code points, not bytes.
  auto len = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  for (std::size_t c = 0; c < result.columns.size(); ++c) width[c] = len(result.columns[c]);
  for (const auto& row : result.rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], len(cell(row[c])));
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c) {
      out += c ? " | " : "";
      out += cells[c];
      if (c + 1 < cells.size()) out.append(width[c] - len(cells[c]), ' ');
    }
    out += '\n';
  };
  line(result.columns);
  std::vector<std::string> rule;
  for (auto w : width) rule.emplace_back(w, '-');
  line(rule);
  for (const auto& row : result.rows) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(cell(v));
    line(cells);
  }
  out += "(" + std::to_string(result.rows.size()) + (result.rows.size() == 1 ? " row)\n" : " rows)\n");
  return out;
}

}  // namespace flockcpp
