#include "flock/engines.hpp"
#include "flock/error.hpp"

namespace flockcpp {

EvalResult FunctionEngine::evaluate(AgentContext& ctx, const EvalInputs& inputs) {
  EvalResult result;
  for (const auto& artifact : inputs.artifacts) {
    if (artifact->type != input_type_) {
      throw Error(ErrorCode::InvalidArgument, "agent '" + ctx.agent_name() + "': function engine takes " +
                                                  input_type_ + ", got an artifact of type " + artifact->type);
    }
    fn_(artifact, result.outputs);
  }
  return result;
}

}  // namespace flockcpp
