// Artifacts on the blackboard and the store that keeps them.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "flock/json.hpp"
#include "flock/types.hpp"

namespace flockcpp {

struct Artifact {
  std::string id;              // unique, 32 hex chars
  std::string type;            // registered type name
  std::shared_ptr<const Json> payload;  // immutable once published
  std::string produced_by;     // agent name, or "external" for user code and the HTTP API
  std::string correlation_id;
  std::vector<std::string> tags{};
  std::int64_t created_at_ns = 0;

  template <class T>
  T as() const {
    return payload->get<T>();
  }
};
using ArtifactPtr = std::shared_ptr<const Artifact>;

struct PublishOptions {
  std::string correlation_id{};  // generated when empty
  std::vector<std::string> tags{};
};

struct ArtifactQuery {
  std::optional<std::string> type;
  std::optional<std::string> produced_by;
  std::optional<std::string> correlation_id;
  std::vector<std::string> tags;  // an artifact matches when it carries all of them
  std::size_t limit = 100;
  std::size_t offset = 0;
};

struct ArtifactPage {
  std::vector<ArtifactPtr> items;  // in publication order
  std::size_t total = 0;           // matches before limit/offset
};

// Thread-safe, append-only store of every artifact published.
class BlackboardStore {
 public:
  void add(ArtifactPtr artifact);
  std::vector<ArtifactPtr> all() const;
  std::vector<ArtifactPtr> by_type(std::string_view type) const;
  ArtifactPage query(const ArtifactQuery& q) const;
  ArtifactPtr find(std::string_view id) const;
  std::size_t size() const;

  template <class T>
  std::vector<T> get_by_type() const {
    std::vector<T> out;
    for (const auto& a : by_type(type_name<T>())) out.push_back(a->payload->template get<T>());
    return out;
  }

 private:
  mutable std::shared_mutex mu_;
  std::vector<ArtifactPtr> items_;
};

}  // namespace flockcpp
