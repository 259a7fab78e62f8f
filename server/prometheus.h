// Prometheus text exposition (format 0.0.4) of the engine's statistics and HTTP counters.
#pragma once

#include <string>

#include "src/runtime/metrics.h"

namespace osprey::server {

struct HttpCounters;

std::string prometheus_text(const runtime::EngineStats& s, const HttpCounters& http);

}  // namespace osprey::server
