// A canvas to draw a digit on with the mouse, a pen or a finger (Pointer
// Events cover all three), and the preprocessing that turns the drawing into
// a 28x28 image like MNIST's.

const SIDE = 28;
const BOX = 20; // MNIST digits fit a 20x20 box, centred by their centre of mass in 28x28 (LeCun et al. 1998)

export class DrawPad {
  /**
   * `onChange()` is called while a stroke is drawn and when it ends; read
   * the digit with toImage().
   */
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.onChange = onChange;
    this.last = null; // the previous point of the stroke being drawn
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel']) canvas.addEventListener(type, () => (this.last = null));
  }

  /** A black canvas. */
  clear() {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.empty = true;
  }

  /** The event's position in canvas pixels (the canvas may be displayed at another size). */
  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  down(e) {
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.point(e);
    this.line(this.last, this.last);
  }

  move(e) {
    if (!this.last) return;
    const p = this.point(e);
    this.line(this.last, p);
    this.last = p;
  }

  line(from, to) {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.canvas.width / 12;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    this.empty = false;
    this.onChange();
  }

  /**
   * The drawing as 784 values in [0, 1], prepared as MNIST's digits were:
   * the ink's bounding box scaled (averaging the pixels it covers) to fit
   * 20x20, then placed in 28x28 so that its centre of mass is the centre.
   * Null when nothing is drawn.
   */
  toImage() {
    if (this.empty) return null;
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = rgba[4 * (y * width + x)] / 255;
        ink[y * width + x] = v;
        if (v > 0.05) {
          x0 = Math.min(x0, x); x1 = Math.max(x1, x);
          y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
      }
    }
    if (x1 < 0) return null;
    // Scale the box so its longer side is 20 pixels: each source pixel adds to the small pixel it falls in.
    const scale = BOX / Math.max(x1 - x0 + 1, y1 - y0 + 1);
    const w = Math.max(1, Math.round((x1 - x0 + 1) * scale));
    const h = Math.max(1, Math.round((y1 - y0 + 1) * scale));
    const sum = new Float32Array(w * h);
    const count = new Float32Array(w * h);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const k = Math.min(h - 1, Math.floor((y - y0) * scale)) * w + Math.min(w - 1, Math.floor((x - x0) * scale));
        sum[k] += ink[y * width + x];
        count[k]++;
      }
    }
    // The centre of mass of the small image decides where it goes.
    let mass = 0, mx = 0, my = 0;
    for (let k = 0; k < w * h; k++) {
      sum[k] /= count[k] || 1;
      mass += sum[k];
      mx += sum[k] * (k % w);
      my += sum[k] * Math.floor(k / w);
    }
    const clamp = (v, size) => Math.min(Math.max(v, 0), SIDE - size);
    const left = clamp(Math.round((SIDE - 1) / 2 - mx / mass), w);
    const top = clamp(Math.round((SIDE - 1) / 2 - my / mass), h);
    const image = new Float32Array(SIDE * SIDE);
    for (let k = 0; k < w * h; k++) image[(top + Math.floor(k / w)) * SIDE + left + (k % w)] = sum[k];
    return image;
  }
}
