#define BOOST_TEST_MODULE stripe_install_unit_tests
#include <boost/test/unit_test.hpp>
