// Catch2 runner for test binaries that link SystemC: libsystemc.so owns
// main() and calls sc_main(). ctest runs each TEST_CASE in its own process
// (catch_discover_tests), since SystemC allows one elaboration per process.
#define CATCH_CONFIG_RUNNER
#include <systemc>

#include <catch2/catch.hpp>

int sc_main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
