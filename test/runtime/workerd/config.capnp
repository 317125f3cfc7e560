# workerd configuration of the worker test/runtime/edge.test.ts starts: the
# bundled worker (worker.mjs bundled by esbuild with simdnn) and the two
# deterministic wasm builds as wasm modules, the way wrangler uploads them.
# The test copies this file next to the bundle and the .wasm files and runs
# `workerd serve config.capnp --socket-addr http=127.0.0.1:<port>`.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .simdnnWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const simdnnWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.bundle.mjs"),
    (name = "simdnn.wasm", wasm = embed "simdnn.wasm"),
    (name = "simdnn-scalar.wasm", wasm = embed "simdnn-scalar.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
