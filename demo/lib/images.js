// Drawing arrays of numbers as pictures: one canvas pixel per value (CSS
// enlarges them with `image-rendering: pixelated`).

/** Grey levels: 0 is black, 1 white. */
export const gray = (v) => {
  const g = Math.round(255 * Math.min(Math.max(v, 0), 1));
  return [g, g, g];
};

/** Signed values in [-1, 1]: blue for negative, white for 0, red for positive. */
export const diverging = (v) => {
  const t = Math.min(Math.abs(v), 1);
  const fade = Math.round(255 * (1 - t));
  return v >= 0 ? [255, fade, fade] : [fade, fade, 255];
};

const maxAbs = (values) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;

/**
 * Draws `count` images of width x height values, laid end to end in
 * `values`, as a grid of `cols` columns with a 1-pixel gap. `normalize`:
 * 'none' (values already in the colour map's range), 'max' (each image
 * divided by its largest |value|).
 */
export function drawTiles(canvas, values, { count = 1, width, height, cols = count, colors = gray, normalize = 'none' }) {
  const rows = Math.ceil(count / cols);
  const gap = count > 1 ? 1 : 0;
  canvas.width = cols * (width + gap) - gap;
  canvas.height = rows * (height + gap) - gap;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let k = 0; k < count; k++) {
    const tile = values.subarray(k * width * height, (k + 1) * width * height);
    const scale = normalize === 'max' ? 1 / maxAbs(tile) : 1;
    const left = (k % cols) * (width + gap);
    const top = Math.floor(k / cols) * (height + gap);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [r, g, b] = colors(tile[y * width + x] * scale);
        const o = 4 * ((top + y) * canvas.width + left + x);
        img.data[o] = r;
        img.data[o + 1] = g;
        img.data[o + 2] = b;
        img.data[o + 3] = 255;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  canvas.classList.add('drawn');
}

/** One image: drawTiles with a single tile. */
export function drawImage(canvas, values, width, height, options = {}) {
  drawTiles(canvas, values, { count: 1, width, height, ...options });
}

/**
 * A 2-D context for drawing in CSS pixels on a canvas whose backing store
 * matches the screen's pixel density, so lines and text stay sharp.
 * Returns the context and the size in CSS pixels.
 */
export function sharpContext(canvas) {
  const ratio = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

/** The ten class probabilities as bars, the largest highlighted. */
export function drawBars(canvas, probabilities, { highlight = -1 } = {}) {
  const { ctx, width, height } = sharpContext(canvas);
  const n = probabilities.length;
  const slot = width / n;
  const label = 16;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  for (let i = 0; i < n; i++) {
    const h = Math.max(1, probabilities[i] * (height - label - 4));
    ctx.fillStyle = i === highlight ? '#2f6fdf' : '#a9b4c6';
    ctx.fillRect(i * slot + 3, height - label - h, slot - 6, h);
    ctx.fillStyle = '#1d2330';
    ctx.fillText(String(i), i * slot + slot / 2, height - 3);
  }
}
