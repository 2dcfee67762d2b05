// A test PKI made with the openssl CLI: two certificate authorities and the certificates they
// sign, as PEM files in a directory (NAME.key, NAME.crt). RSA 2048 and SHA-256, as BCP 195 asks.
#pragma once

#include "test_support.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

namespace radnode::test {

inline std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

class TestPki {
public:
    explicit TestPki(std::filesystem::path directory) : dir_(std::move(directory)) {
        std::filesystem::create_directories(dir_);
        makeCa("ca", "radnode test CA");
        makeCa("other-ca", "another hospital CA");
    }

    // A certificate for `commonName`, valid for 127.0.0.1 and `dnsName` (subjectAltName).
    void issue(const std::string& name, const std::string& commonName, const std::string& ca = "ca",
               const std::string& dnsName = "localhost") {
        const auto extensions = dir_ / (name + ".ext");
        writeText(extensions, "basicConstraints = CA:FALSE\nsubjectAltName = IP:127.0.0.1, DNS:" + dnsName + "\n");
        run("openssl req -new -newkey rsa:2048 -nodes -keyout " + quoted(key(name)) + " -out " +
            quoted(dir_ / (name + ".csr")) + " -subj '/CN=" + commonName + "' 2>&1");
        run("openssl x509 -req -sha256 -days 2 -in " + quoted(dir_ / (name + ".csr")) + " -CA " + quoted(crt(ca)) +
            " -CAkey " + quoted(key(ca)) + " -CAcreateserial -extfile " + quoted(extensions) + " -out " +
            quoted(crt(name)) + " 2>&1");
    }

    std::filesystem::path key(const std::string& name) const { return dir_ / (name + ".key"); }
    std::filesystem::path crt(const std::string& name) const { return dir_ / (name + ".crt"); }

    // What `openssl x509 -fingerprint -sha256` prints, e.g. "AB:CD:...".
    std::string fingerprint(const std::string& name) const {
        auto output = runCommand("openssl x509 -noout -fingerprint -sha256 -in " + quoted(crt(name))).output;
        output = output.substr(output.find('=') + 1);
        while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
        return output;
    }

private:
    static void run(const std::string& commandLine) {
        const auto result = runCommand(commandLine);
        REQUIRE_MESSAGE(result.exitCode == 0, std::string(commandLine + "\n" + result.output));
    }

    void makeCa(const std::string& name, const std::string& commonName) {
        run("openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -keyout " + quoted(key(name)) + " -out " +
            quoted(crt(name)) + " -subj '/CN=" + commonName + "' -addext basicConstraints=critical,CA:TRUE" +
            " -addext keyUsage=critical,keyCertSign,cRLSign 2>&1");
    }

    std::filesystem::path dir_;
};

} // namespace radnode::test
