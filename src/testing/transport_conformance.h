// TransportConformanceTest: one parameterized gtest suite that checks every
// contract written in worm/transport.h against a backend (after Arrow's
// GenericFileSystemTest and object_store's integration tests). Behaviour a
// backend may lack is gated on capabilities(), never skipped.
//
// To run it against a backend, from that backend's test file (linked with
// worm_testing, which the worm_test() CMake function adds):
//
//   #include "testing/transport_conformance.h"
//
//   WORM_INSTANTIATE_TRANSPORT_CONFORMANCE(
//       S3, (::worm::testing::TransportFactory{
//               "s3_against_worm_serve", [] { return MakeFreshEmptyS3Transport(); }}));
//
// A backend chosen at run time passes a gtest generator instead; an empty
// one registers no test:
//
//   WORM_INSTANTIATE_TRANSPORT_CONFORMANCE_IN(External, ::testing::ValuesIn(Factories()));
//
// The first argument is a unique identifier naming the instantiation; the
// rest are TransportFactory values. Each factory must return a fresh, EMPTY
// transport on every call (one per test), or null to fail the test. Names
// must be valid gtest identifiers ([A-Za-z0-9_]). The suite writes about
// 2,600 small objects in its largest test and one 8 MiB object.
//
// Thread-safety: the tests themselves start threads (compare-and-swap race).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "testing/test_util.h"
#include "worm/transport.h"

namespace worm::testing {

struct TransportFactory {
  std::string name;
  std::function<std::shared_ptr<Transport>()> make;
};

class TransportConformanceTest : public ::testing::TestWithParam<TransportFactory> {
 protected:
  void SetUp() override;
  void TearDown() override { transport_.reset(); }

  Transport& t() { return *transport_; }

  std::shared_ptr<Transport> transport_;
  Capabilities caps_;
};

// How gtest prints a parameter (its name, not its bytes).
inline void PrintTo(const TransportFactory& factory, std::ostream* os) { *os << factory.name; }

// The parameter's name, for gtest.
std::string TransportFactoryName(const ::testing::TestParamInfo<TransportFactory>& info);

// Referenced by the macro so the linker keeps the suite's object file (its
// TEST_Ps live in worm_testing, a static library).
int LinkTransportConformanceTests();

}  // namespace worm::testing

#define WORM_INSTANTIATE_TRANSPORT_CONFORMANCE(instantiation, ...)                \
  namespace worm::testing {                                                       \
  [[maybe_unused]] static const int worm_conformance_anchor_##instantiation =     \
      LinkTransportConformanceTests();                                            \
  INSTANTIATE_TEST_SUITE_P(instantiation, TransportConformanceTest,               \
                           ::testing::Values(__VA_ARGS__), TransportFactoryName); \
  }                                                                               \
  static_assert(true, "")

#define WORM_INSTANTIATE_TRANSPORT_CONFORMANCE_IN(instantiation, generator)    \
  namespace worm::testing {                                                    \
  [[maybe_unused]] static const int worm_conformance_anchor_##instantiation =  \
      LinkTransportConformanceTests();                                         \
  INSTANTIATE_TEST_SUITE_P(instantiation, TransportConformanceTest, generator, \
                           TransportFactoryName);                              \
  }                                                                            \
  static_assert(true, "")
