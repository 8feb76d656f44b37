#include <stdexcept>

#include "flock/engines.hpp"

namespace flockcpp {

EvalResult FunctionEngine::evaluate(AgentContext& ctx, const EvalInputs& inputs) {
  EvalResult result;
  for (const auto& artifact : inputs.artifacts) {
    if (artifact->type != input_type_) {
      throw std::invalid_argument("agent '" + ctx.agent_name() + "': function engine takes " + input_type_ +
                                  ", got an artifact of type " + artifact->type);
    }
    fn_(artifact, result.outputs);
  }
  return result;
}

}  // namespace flockcpp
