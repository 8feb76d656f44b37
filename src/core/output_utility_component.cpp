#include "core/output_utility_component.hpp"

#include <algorithm>
#include <stdexcept>

#include "flock/types.hpp"
#include "flock/error.hpp"

namespace flockcpp::detail {

void OutputUtilityComponent::on_initialize(AgentContext& ctx) {
  for (const auto& type : ctx.publishes()) {
    if (TypeRegistry::global().find(type) == nullptr) {
      throw Error(ErrorCode::FailedPrecondition, "agent '" + ctx.agent_name() + "' publishes unregistered type " + type);
    }
  }
}

void OutputUtilityComponent::on_post_evaluate(AgentContext& ctx, EvalResult& result) {
  const auto& declared = ctx.publishes();
  for (const auto& out : result.outputs) {
    if (!declared.empty() && std::find(declared.begin(), declared.end(), out.type) == declared.end()) {
      throw Error(ErrorCode::FailedPrecondition, "agent '" + ctx.agent_name() + "' produced a " + out.type +
                             ", which it does not declare in publishes<...>()");
    }
    const TypeInfo* info = TypeRegistry::global().find(out.type);
    if (info == nullptr) throw Error(ErrorCode::FailedPrecondition, "agent '" + ctx.agent_name() + "' produced unknown type " + out.type);
    if (auto err = validate_against_schema(info->schema, out.payload)) {
      throw Error(ErrorCode::InvalidArgument, "agent '" + ctx.agent_name() + "' produced a " + out.type +
                                  " that does not fit its schema: " + *err);
    }
  }
}

}  // namespace flockcpp::detail
