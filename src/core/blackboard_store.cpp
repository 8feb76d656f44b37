#include <algorithm>
#include <mutex>

#include "flock/artifact.hpp"

namespace flockcpp {

void BlackboardStore::add(ArtifactPtr artifact) {
  std::unique_lock lock(mu_);
  items_.push_back(std::move(artifact));
}

std::vector<ArtifactPtr> BlackboardStore::all() const {
  std::shared_lock lock(mu_);
  return items_;
}

std::vector<ArtifactPtr> BlackboardStore::by_type(std::string_view type) const {
  std::shared_lock lock(mu_);
  std::vector<ArtifactPtr> out;
  for (const auto& a : items_)
    if (a->type == type) out.push_back(a);
  return out;
}

ArtifactPage BlackboardStore::query(const ArtifactQuery& q) const {
  std::shared_lock lock(mu_);
  ArtifactPage page;
  for (const auto& a : items_) {
    if (q.type && a->type != *q.type) continue;
    if (q.produced_by && a->produced_by != *q.produced_by) continue;
    if (q.correlation_id && a->correlation_id != *q.correlation_id) continue;
    bool tags_ok = std::all_of(q.tags.begin(), q.tags.end(), [&](const std::string& t) {
      return std::find(a->tags.begin(), a->tags.end(), t) != a->tags.end();
    });
    if (!tags_ok) continue;
    if (page.total >= q.offset && page.items.size() < q.limit) page.items.push_back(a);
    ++page.total;
  }
  return page;
}

ArtifactPtr BlackboardStore::find(std::string_view id) const {
  std::shared_lock lock(mu_);
  for (const auto& a : items_)
    if (a->id == id) return a;
  return nullptr;
}

std::size_t BlackboardStore::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

}  // namespace flockcpp
