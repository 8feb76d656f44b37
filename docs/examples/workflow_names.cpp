// docs/examples/workflow_names.cpp
#include <flock/flock.hpp>

#include <iostream>

struct NewUser {
  std::string email;
};
struct WelcomeMail {
  std::string to;
};
struct BatchData {
  int records = 0;
};
struct BatchReport {
  int processed = 0;
};
FLOCK_TYPE(NewUser, email)
FLOCK_TYPE(WelcomeMail, to)
FLOCK_TYPE(BatchData, records)
FLOCK_TYPE(BatchReport, processed)

int main() {
  flockcpp::Flock flock;
  flock.agent("greeter").consumes<NewUser>().publishes<WelcomeMail>().with_engine(
      flockcpp::function_engine([](const NewUser& u) { return WelcomeMail{u.email}; }));
  flock.agent("batcher").consumes<BatchData>().publishes<BatchReport>().with_engine(
      flockcpp::function_engine([](const BatchData& b) { return BatchReport{b.records}; }));

  // Descriptive names, one per business operation: each is its own trace.
  {
    auto span = flock.traced_run("customer_onboarding");
    flock.publish(NewUser{"ada@example.com"});
    flock.run_until_idle();
    std::cout << "customer_onboarding: " << span.trace_id() << "\n";
  }
  {
    auto span = flock.traced_run("daily_batch_job");
    flock.publish(BatchData{5000});
    flock.run_until_idle();
    std::cout << "daily_batch_job:     " << span.trace_id() << "\n";
  }
}
