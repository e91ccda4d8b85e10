// The generic module loader: where it looks, and that each failure names the
// file (and symbol) and says what to do. Loading a real module is covered by
// the integration tests (serve, api, notify through stripe-install-net.so).
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>

#include "ScopedModuleDir.h"
#include "modules/ModuleLoader.h"

namespace {

namespace fs = std::filesystem;

using ModuleDir = si::testing::ScopedModuleDir;

/// Why loading `file` as a module fails.
std::string loadError(const std::string& file)
{
    try {
        si::LoadedModule::load({file, "Test support", "install it next to the program", "si_test_abi_version", 1});
    } catch (const si::ModuleError& e) {
        return e.what();
    }
    return "<loaded>";
}

} // namespace

BOOST_AUTO_TEST_SUITE(ModuleLoaderTest)

BOOST_AUTO_TEST_CASE(looks_beside_the_program_then_in_its_lib_folder)
{
    const char* old = std::getenv("STRIPE_INSTALL_MODULE_DIR");
    const std::string saved = old ? old : "";
    ::unsetenv("STRIPE_INSTALL_MODULE_DIR");
    const auto candidates = si::moduleCandidates("m.so");
    if (old)
        ::setenv("STRIPE_INSTALL_MODULE_DIR", saved.c_str(), 1);
    const std::string dir = fs::canonical("/proc/self/exe").parent_path().string();
    BOOST_TEST_REQUIRE(candidates.size() == 2u);
    BOOST_TEST(candidates[0] == dir + "/m.so");
    BOOST_TEST(candidates[1] == dir + "/lib/m.so");
}

BOOST_AUTO_TEST_CASE(the_environment_names_the_only_folder)
{
    const ModuleDir dir("/opt/si-mods");
    const auto candidates = si::moduleCandidates("m.so");
    BOOST_TEST_REQUIRE(candidates.size() == 1u);
    BOOST_TEST(candidates[0] == "/opt/si-mods/m.so");
}

BOOST_AUTO_TEST_CASE(a_missing_module_names_the_file_where_it_looked_and_what_to_do)
{
    const ModuleDir dir("/nonexistent-si-modules");
    BOOST_TEST(loadError("stripe-install-test.so") ==
               "Test support is not installed: stripe-install-test.so was not found "
               "(/nonexistent-si-modules/stripe-install-test.so); install it next to the program");
}

BOOST_AUTO_TEST_CASE(a_file_that_is_no_shared_object_cannot_be_loaded)
{
    const ModuleDir dir(SI_SOURCE_DIR);
    const std::string error = loadError("README.md");
    BOOST_TEST(error.rfind("Test support is not installed properly: " SI_SOURCE_DIR "/README.md cannot be loaded (",
                           0) == 0,
               error);
}

BOOST_AUTO_TEST_CASE(a_library_without_the_version_symbol_is_refused_by_name)
{
    // Any shared object without our symbols does: the C maths library.
    const std::string folder = "/lib/x86_64-linux-gnu";
    if (!fs::exists(folder + "/libm.so.6"))
        return; // another layout
    const ModuleDir dir(folder);
    BOOST_TEST(loadError("libm.so.6") == "Test support is not installed properly: " + folder +
                                             "/libm.so.6 has no si_test_abi_version (a module from another "
                                             "version of stripe-install?)");
}

BOOST_AUTO_TEST_SUITE_END()
