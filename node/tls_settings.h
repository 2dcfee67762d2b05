// The configured TLS of the listener or a destination (config::TlsConfig) as the DICOM layer
// takes it (dicom::TlsSettings).
#pragma once

#include "config/node_config.h"
#include "dicom/tls.h"

namespace radnode::node {

// The profile name was validated when the configuration was read.
dicom::TlsSettings tlsSettings(const config::TlsConfig& tls);

// For telling whether a reload changed TLS (it needs a restart for the listener).
bool sameTls(const std::optional<config::TlsConfig>& a, const std::optional<config::TlsConfig>& b);

} // namespace radnode::node
