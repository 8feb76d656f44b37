// docs/examples/errors.cpp
#include <flock/flock.hpp>

#include <iostream>
#include <stdexcept>

struct Order {
  std::string wine;
};
struct Pairing {
  std::string wine;
};
FLOCK_TYPE(Order, wine)
FLOCK_TYPE(Pairing, wine)

int main() {
  flockcpp::Flock flock;
  flock.agent("sommelier").consumes<Order>().publishes<Pairing>().with_engine(
      flockcpp::function_engine([](const Order& o) -> Pairing {
        if (o.wine == "Barolo") throw std::runtime_error("wine cellar is locked");
        return Pairing{o.wine};
      }));

  // An agent that throws never stops the others: the error is on its
  // Agent.execute span (status ERROR, an `exception` event) and in the report.
  {
    auto span = flock.traced_run("dinner");
    flock.publish(Order{"Chianti"});
    flock.publish(Order{"Barolo"});
    flockcpp::RunReport report = flock.run_until_idle();
    for (const flockcpp::AgentError& e : report.errors) {
      std::cout << e.agent << " failed (" << e.exception_type << ": " << e.message << ") in span " << e.span_id
                << "\n";
    }
    std::cout << report.executions << " executions, ok: " << std::boolalpha << report.ok() << "\n";
  }

  // An exception that unwinds through the RAII form still ends the workflow
  // span, with status ERROR. record_exception() adds the exception's details.
  try {
    auto span = flock.traced_run("risky_operation");
    try {
      throw std::runtime_error("payment service unreachable");
    } catch (const std::exception& e) {
      span.record_exception(e);
      throw;
    }
  } catch (const std::exception& e) {
    std::cout << "Workflow failed: " << e.what() << "\n";
  }
}
