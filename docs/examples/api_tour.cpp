// docs/examples/api_tour.cpp
#include <flock/flock.hpp>

#include <iostream>
#include <map>
#include <optional>

namespace shop {
struct Order {
  std::string item;
  int quantity = 1;
  std::optional<std::string> note;  // optional: may be missing or null
};
struct Invoice {
  std::string item;
  double total = 0;
  std::map<std::string, double> taxes;
};
FLOCK_TYPE(Order, item, quantity, note)  // in the type's own namespace
FLOCK_TYPE(Invoice, item, total, taxes)
}  // namespace shop

// An engine of your own: turns the inputs into outputs. Its evaluate() hook
// gets a span named "Billing.evaluate" (the class name).
class Billing : public flockcpp::Engine {
 public:
  flockcpp::EvalResult evaluate(flockcpp::AgentContext& ctx, const flockcpp::EvalInputs& inputs) override {
    flockcpp::EvalResult result;
    for (const flockcpp::ArtifactPtr& a : inputs.artifacts) {
      if (ctx.cancelled()) break;  // the Flock is stopping
      auto order = a->as<shop::Order>();
      double net = 9.5 * order.quantity;
      result.outputs.push_back({"Invoice", flockcpp::Json(shop::Invoice{order.item, net * 1.2, {{"vat", net * 0.2}}})});
    }
    return result;
  }
};

// A component: hooks around the engine, each overridden one with a span.
class AuditLog : public flockcpp::Component {
 public:
  void on_post_publish(flockcpp::AgentContext& ctx, const flockcpp::Artifact& published) override {
    std::cout << ctx.agent_name() << " published " << published.type << " " << published.id << "\n";
  }
};

int main() {
  // The library's own messages (warnings, the trace writer's state) to your log.
  flockcpp::set_diagnostic_sink([](flockcpp::LogLevel level, std::string_view message) {
    std::cerr << "[flock " << flockcpp::to_string(level) << "] " << message << "\n";
  });
  std::cout << "flock " << flockcpp::kVersion << "\n";

  flockcpp::Flock flock("", flockcpp::FlockOptions{.workers = 2, .max_agent_iterations = 100});
  flock.agent("billing")
      .description("Bills an order")
      .consumes<shop::Order>([](const shop::Order& o) { return o.quantity > 0; })  // a predicate
      .publishes<shop::Invoice>()
      .with_component(std::make_shared<AuditLog>())
      .with_engine(std::make_shared<Billing>())
      .max_concurrency(2);

  // Publishing by type name and JSON, as the HTTP API does: the payload is
  // checked against the type's JSON Schema.
  try {
    flock.publish_json("Order", flockcpp::Json{{"item", "tea"}, {"quantity", "two"}});
  } catch (const flockcpp::Error& e) {  // ErrorCode::InvalidArgument
    std::cout << "refused: " << e.what() << "\n";
  }

  flockcpp::RunReport report;
  {
    auto span = flock.traced_run("checkout");
    flock.publish(shop::Order{"tea", 2, std::nullopt}, {.correlation_id = "cart-42", .tags = {"web"}});
    report = flock.run_until_idle();
  }
  std::cout << report.executions << " execution(s), ok: " << std::boolalpha << report.ok() << "\n";

  // The blackboard keeps every artifact.
  flockcpp::ArtifactQuery q;
  q.correlation_id = "cart-42";
  flockcpp::ArtifactPage page = flock.store().query(q);
  for (const flockcpp::ArtifactPtr& a : page.items) {
    std::cout << a->type << " by " << a->produced_by << ": " << a->payload->dump() << "\n";
  }

  // Every error the library throws is a flockcpp::Error with a code.
  try {
    flockcpp::TraceStoreReader("no/such/traces.duckdb").run_sql("SELECT 1");
  } catch (const flockcpp::Error& e) {
    std::cout << flockcpp::to_string(e.code()) << ": " << e.what() << "\n";
  }
}
