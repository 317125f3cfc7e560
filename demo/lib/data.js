// Loading the demo's data files (see scripts/demo-data.mjs for their layout).

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Fetches a file as bytes, inflating it if it is still gzip (the server sent it as it is). */
async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!gzip) return bytes; // a server that set Content-Encoding: gzip, and the browser inflated it already
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

/**
 * The bundled digits: `x` holds n 28x28 images end to end as floats in
 * [0, 1] (ink is 1), `y` their classes 0-9.
 */
export async function loadDigits(url) {
  const bytes = await fetchBytes(url);
  const n = bytes.length / (PIXELS + 1);
  if (!Number.isInteger(n)) throw new Error(`${url}: ${bytes.length} bytes is not a whole number of labelled 28x28 images`);
  const y = Int32Array.from(bytes.subarray(0, n));
  const x = new Float32Array(n * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = bytes[n + i] / 255;
  return { n, x, y };
}

/** The first `count` rows of a dataset and the rest: a train and a test split. */
export function split({ n, x, y }, count) {
  return {
    train: { n: count, x: x.subarray(0, count * PIXELS), y: y.subarray(0, count) },
    test: { n: n - count, x: x.subarray(count * PIXELS), y: y.subarray(count) },
  };
}

/** The bundled first names, one per line. */
export async function loadNames(url) {
  const text = new TextDecoder().decode(await fetchBytes(url));
  return text.split('\n').filter((s) => s.length > 0);
}
