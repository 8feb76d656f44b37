// The built-in price table: data/model-prices.json, compiled in by CMake
// (default_model_prices.cpp.in) so an installed program needs no data file.
#pragma once

namespace flockcpp::detail {
extern const char* const kDefaultModelPrices;
}
