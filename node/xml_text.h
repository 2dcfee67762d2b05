// Text and attribute values for the XML the node writes (DICOM audit messages, the SVG and
// HTML of evaluation reports): the five XML specials escaped, and the control characters
// XML 1.0 cannot carry (all but tab, newline, carriage return) dropped.
#pragma once

#include <string>

namespace radnode::node {

std::string escapeXml(const std::string& text);

} // namespace radnode::node
