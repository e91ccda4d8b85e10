#pragma once
// Loads the team's known-answer vectors from ../shared/vectors at test time.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace si::test {

inline std::string sharedDir()
{
    if (const char* env = std::getenv("SI_SHARED_DIR"))
        return env;
    return SI_SHARED_DIR;
}

inline std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The "cases" array of a vector file in shared/vectors.
inline Poco::JSON::Array::Ptr loadVectorCases(const std::string& fileName)
{
    Poco::JSON::Parser parser;
    auto root = parser.parse(readFile(sharedDir() + "/vectors/" + fileName))
                    .extract<Poco::JSON::Object::Ptr>();
    return root->getArray("cases");
}

} // namespace si::test
