// A small streaming JSON writer for the node's summaries and CLI output (Boost 1.74 has no
// Boost.JSON). Numbers are written with full precision; NaN and infinities become null.
#pragma once

#include <string>
#include <vector>

namespace radnode::node {

class JsonWriter {
public:
    void beginObject();
    void endObject();
    void beginArray();
    void endArray();
    void key(const std::string& name);
    void value(const std::string& text);
    void value(const char* text) { value(std::string(text)); }
    void value(double number);
    void value(bool flag);
    void null();
    template <typename T>
    void field(const std::string& name, const T& v) {
        key(name);
        value(v);
    }
    const std::string& str() const { return out_; }

    static std::string escape(const std::string& text);

private:
    void separate();
    std::string out_;
    std::vector<bool> first_; // per open container: no element written yet
    bool afterKey_ = false;
};

} // namespace radnode::node
