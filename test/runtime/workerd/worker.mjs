// A Cloudflare worker using simdnn the way the README shows: the .wasm imported
// as a module (workerd forbids compiling wasm from bytes) and given to init().
// GET /forbidden: what init() from the embedded bytes does here.
// GET /pipeline?build=simd|scalar&seed=N: the deterministic pipeline, as JSON.
import * as nn from 'simdnn';
import simdWasm from './simdnn.wasm';
import scalarWasm from './simdnn-scalar.wasm';
import { pipeline } from './pipeline.mjs';

const modules = { simd: simdWasm, scalar: scalarWasm };

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/forbidden') {
      const e = await nn.init().then(() => null, (err) => err);
      return Response.json({ name: e?.name, isInitError: e instanceof nn.InitError, message: e?.message });
    }
    if (url.pathname === '/pipeline') {
      const withModule = { ...nn, createBackend: (opts) => nn.createBackend({ ...opts, module: modules[opts.build] }) };
      const result = await pipeline(withModule, url.searchParams.get('build'), Number(url.searchParams.get('seed')));
      return Response.json({ ...result, initInfo: await nn.init({ module: simdWasm, deterministic: true }) });
    }
    return new Response('not found', { status: 404 });
  },
};
