# Every Debian package the project's scripts install, by name only (sourced by
# install-deps.sh and by the CI step that simulates installing them all).
# shellcheck disable=SC2034
FLOCK_APT_BUILD=(
  build-essential cmake ninja-build ccache pkg-config
  nlohmann-json3-dev libcli11-dev libreaderwriterqueue-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libprotobuf-dev protobuf-compiler
  libcurl4-openssl-dev zlib1g-dev
  libboost1.81-dev
  libcpp-httplib-dev
  curl
)
# Debian's Chromium for the dashboard's browser tests, and a font it renders with.
FLOCK_APT_BROWSER=(chromium fonts-dejavu-core)
