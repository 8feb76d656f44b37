// docs/examples/dashboard.cpp
#include <flock/flock.hpp>

#include <iostream>

struct PizzaIdea {
  std::string description;
};
struct Pizza {
  std::string name;
};
FLOCK_TYPE(PizzaIdea, description)
FLOCK_TYPE(Pizza, name)

int main() {
  flockcpp::Flock flock;
  flock.agent("pizza_master").consumes<PizzaIdea>().publishes<Pizza>().with_engine(
      flockcpp::function_engine([](const PizzaIdea&) { return Pizza{"Truffle"}; }));
  {
    auto span = flock.traced_run("pizza_workflow");
    flock.publish(PizzaIdea{"something with truffles"});
    flock.run_until_idle();
  }

  // flock.serve() serves until SIGINT or SIGTERM; DashboardServer is the
  // same server as an object that a program starts and stops itself.
  flockcpp::DashboardServer server(flock, {.port = 0});  // 0: any free port
  int port = server.start();  // prints "flock: dashboard at http://127.0.0.1:<port>/"
  std::cout << "the API answers on port " << port << ", e.g. " << server.url() << "api/traces\n";
  server.stop();
}
