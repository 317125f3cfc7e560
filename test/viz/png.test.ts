import { describe, it, expect } from 'vitest';
import { PNG } from 'pngjs';
import { encodePng, filtersToPng, imagesToPng } from '../../src/index.js';

// The encoder is checked by an independent decoder (pngjs: chunk CRCs, zlib
// inflate with its Adler-32 check, filters, colour types).
describe('PNG encoder, read back by pngjs', () => {
  for (const [channels, colorType] of [[1, 0], [3, 2], [4, 6]] as const) {
    it(`${channels}-channel image with odd width, several deflate blocks`, () => {
      const [w, h] = [301, 97]; // > 65,535 bytes of scanlines: several stored blocks
      const px = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 7 + (i >> 9)) & 255);
      const img = PNG.sync.read(Buffer.from(encodePng(px, w, h, channels)));
      expect([img.width, img.height, img.colorType]).toEqual([w, h, colorType]);
      // pngjs expands to RGBA.
      for (let y = 0; y < h; y += 13) {
        for (let x = 0; x < w; x += 17) {
          const p = (y * w + x) * channels;
          const q = (y * w + x) * 4;
          const rgba = channels === 1 ? [px[p], px[p], px[p], 255] : channels === 3 ? [px[p], px[p + 1], px[p + 2], 255] : [px[p], px[p + 1], px[p + 2], px[p + 3]];
          expect(Array.from(img.data.subarray(q, q + 4))).toEqual(rgba);
        }
      }
    });
  }

  it('filter and image grids decode to the expected size and extremes', () => {
    const w = Float32Array.from({ length: 4 * 6 }, (_, i) => i - 10); // 4 inputs (2x2) x 6 units
    const grid = PNG.sync.read(Buffer.from(filtersToPng(w, { width: 2, height: 2, cols: 3, padding: 1, scale: 2 })));
    // 3 x 2 tiles of 2x2 pixels scaled by 2, with 1-pixel padding (also scaled) around every tile.
    expect([grid.width, grid.height]).toEqual([3 * 4 + 4 * 2, 2 * 4 + 3 * 2]);
    const grey = Array.from({ length: grid.width * grid.height }, (_, i) => grid.data[i * 4]);
    expect(Math.max(...grey)).toBe(255);
    const imgs = PNG.sync.read(Buffer.from(imagesToPng(new Float32Array(3 * 4).fill(1), { width: 2, height: 2, padding: 0 })));
    expect(imgs.width * imgs.height).toBeGreaterThanOrEqual(12);
  });
});

/** Width, height and 8-bit gray pixels of a grayscale PNG, read back by pngjs. */
function readGray(png: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const img = PNG.sync.read(Buffer.from(png));
  expect(img.colorType).toBe(0);
  const pixels = Uint8Array.from({ length: img.width * img.height }, (_, i) => img.data[i * 4]);
  return { width: img.width, height: img.height, pixels };
}

describe('PNG grids', () => {
  it('encodes a gray image that decodes back to the same pixels', () => {
    const px = Uint8Array.from({ length: 300 * 250 }, (_, i) => (i * 7) & 255);
    const out = readGray(encodePng(px, 300, 250));
    expect([out.width, out.height]).toEqual([300, 250]);
    expect(out.pixels).toEqual(px);
  });

  it('filtersToPng lays filters out in a grid from columns or rows; imagesToPng clips to its range', () => {
    // Two 2x2 filters as the columns of a 4x2 matrix.
    const w = [0, 10, 1, 20, 2, 30, 3, 40];
    const png = readGray(filtersToPng(w, { width: 2, height: 2, padding: 1, background: 7 }));
    expect([png.width, png.height]).toEqual([7, 4]);
    const at = (x: number, y: number) => png.pixels[y * png.width + x];
    expect([at(1, 1), at(2, 1), at(1, 2), at(2, 2)]).toEqual([0, 85, 170, 255]);
    expect([at(4, 1), at(5, 1), at(4, 2), at(5, 2)]).toEqual([0, 85, 170, 255]);
    expect(at(0, 0)).toBe(7);
    const rows = readGray(filtersToPng([0, 1, 2, 3, 10, 20, 30, 40], { width: 2, height: 2, layout: 'rows' }));
    expect(rows.pixels).toEqual(png.pixels.map((p) => (p === 7 ? 0 : p)));
    const img = readGray(imagesToPng([-1, 0.5, 2, 1], { width: 2, height: 2, padding: 0 }));
    expect(Array.from(img.pixels)).toEqual([0, 128, 255, 255]);
    expect(() => filtersToPng([1, 2, 3], { width: 2, height: 2 })).toThrow(/weights must hold whole filters of width x height = 4 values, got 3 values/);
    expect(() => imagesToPng([1, 2, 3, 4], { width: 2, height: 2, range: [1, 1] })).toThrow(/range must be 'auto' or \[lo, hi\] with finite lo < hi/);
  });
});
