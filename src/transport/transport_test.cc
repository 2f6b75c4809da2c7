// Runs the transport conformance suite against every backend and wrapper
// in this directory.
#include "worm/transport.h"

#include <memory>

#include "testing/transport_conformance.h"
#include "transport/counting_transport.h"

namespace worm::testing {
namespace {

// A local transport in a scratch folder that is removed with it.
std::shared_ptr<Transport> MakeLocal(bool sync) {
  struct Holder {
    ScratchDir dir;  // destroyed after the transport below
    std::shared_ptr<Transport> transport;
  };
  auto holder = std::make_shared<Holder>();
  LocalTransportOptions options;
  options.sync = sync;
  Result<std::shared_ptr<Transport>> t = NewLocalTransport(holder->dir.path().string(), options);
  if (!t.ok()) {
    ADD_FAILURE() << t.status();
    return nullptr;
  }
  holder->transport = std::move(t).value();
  return std::shared_ptr<Transport>(holder, holder->transport.get());
}

}  // namespace
}  // namespace worm::testing

WORM_INSTANTIATE_TRANSPORT_CONFORMANCE(
    Backends, (TransportFactory{"memory", [] { return NewMemoryTransport(); }}),
    (TransportFactory{"local", [] { return MakeLocal(/*sync=*/true); }}),
    (TransportFactory{"local_nosync", [] { return MakeLocal(/*sync=*/false); }}),
    (TransportFactory{
        "overlay_memory",
        [] { return NewOverlayTransport(NewMemoryTransport(), NewMemoryTransport()); }}),
    (TransportFactory{"overlay_local",
                      [] { return NewOverlayTransport(MakeLocal(false), MakeLocal(false)); }}),
    (TransportFactory{"counting_memory", []() -> std::shared_ptr<Transport> {
                        return NewCountingTransport(NewMemoryTransport());
                      }}));
