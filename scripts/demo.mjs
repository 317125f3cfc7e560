// `npm run demo`: builds the library if dist/ is missing or older than its
// sources, writes the demo's data files if they are missing, and serves the
// demo page on localhost with a small static file server (node:http only).
//
//   node scripts/demo.mjs [--port 8080] [--host 127.0.0.1] [--no-build]
//
// Only two folders are served: demo/ (the page) and dist/ (the built library
// it imports). Port 0 picks a free port; a busy port falls back to a free one.
// The first line printed is the page's URL.
import { createServer } from 'node:http';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoData } from './demo-data.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVED = ['demo', 'dist'];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip', // served as it is: the page decompresses it (no Content-Encoding)
};

// The same policy as the page's <meta> tag, sent as a header too so the
// workers (which do not inherit the page's meta tag) run under it: nothing
// from other origins, and wasm compiled only from the bundle's own bytes.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when dist/index.js is missing or older than a file of src/ or assembly/. */
function buildNeeded() {
  const bundle = join(ROOT, 'dist', 'index.js');
  if (!existsSync(bundle)) return true;
  return statSync(bundle).mtimeMs < Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'assembly')));
}

/** Maps a URL path to a file under demo/ or dist/, or null. */
function fileFor(urlPath) {
  const path = decodeURIComponent(urlPath);
  const top = path.split('/')[1];
  if (!SERVED.includes(top)) return null;
  const base = join(ROOT, top) + sep;
  let file = resolve(ROOT, '.' + path);
  if (!(file + sep).startsWith(base)) return null; // no ../ out of the folder
  if (path.endsWith('/')) file = join(file, 'index.html');
  return file;
}

/**
 * Starts the static server. Resolves to { server, url } once it listens.
 * @param {{ port?: number, host?: string, log?: boolean }} options
 */
export function startDemoServer({ port = 8080, host = '127.0.0.1', log = false } = {}) {
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (log) console.log(`${req.method} ${pathname}`);
    if (pathname === '/' || pathname === '/demo') {
      res.writeHead(302, { location: '/demo/' });
      res.end();
      return;
    }
    let file;
    try {
      file = fileFor(pathname);
    } catch {
      file = null; // malformed %-escape
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    try {
      if (!file) throw new Error('not served');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'content-length': body.length,
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`not found: ${pathname}\n`);
    }
  });
  const listen = (p) =>
    new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen(p, host, () => {
        server.off('error', fail);
        ok();
      });
    });
  return listen(port)
    .catch((e) => {
      if (e.code !== 'EADDRINUSE') throw e;
      return listen(0); // the port is taken: any free one
    })
    .then(() => {
      const { port: actual } = server.address();
      const shownHost = host.includes(':') ? `[${host}]` : host;
      return { server, url: `http://${shownHost}:${actual}/demo/` };
    });
}

function parseArgs(argv) {
  const args = { port: 8080, host: '127.0.0.1', build: true, log: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') args.port = Number(argv[++i]);
    else if (a === '--host') args.host = argv[++i];
    else if (a === '--no-build') args.build = false;
    else if (a === '--log') args.log = true;
    else {
      console.error(`demo: unknown argument ${JSON.stringify(a)} (use --port N, --host H, --no-build, --log)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    console.error(`demo: --port must be an integer in [0, 65535], got ${JSON.stringify(argv[argv.indexOf('--port') + 1])}`);
    process.exit(2);
  }
  return args;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  if (args.build && buildNeeded()) {
    console.error('demo: building the library (npm run build)...');
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error('demo: dist/index.js is missing: run `npm run build` first');
    process.exit(1);
  }
  if (!existsSync(join(ROOT, 'demo', 'data', 'digits.bin.gz')) || !existsSync(join(ROOT, 'demo', 'data', 'names.txt'))) writeDemoData();
  const { url } = await startDemoServer(args);
  console.log(url);
  console.error('demo: serving demo/ and dist/; press Ctrl+C to stop');
}
