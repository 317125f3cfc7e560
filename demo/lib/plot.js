// A small line plot on a canvas: curves that grow while a network trains.
import { sharpContext } from './images.js';

/**
 * A plot of several series against one x axis. Each series has a `label`,
 * a `color`, and an `axis`: 'left' (scaled to its data, from 0) or 'right'
 * (a fixed [0, 1] range, for accuracies). Points arrive with add(); the
 * canvas is redrawn at most once per animation frame.
 */
export class LinePlot {
  constructor(canvas, { series, xLabel = '', xMax = 1 }) {
    this.canvas = canvas;
    this.series = series.map((s) => ({ axis: 'left', dots: false, ...s, points: [] }));
    this.xLabel = xLabel;
    this.xMax = xMax;
    this.pending = false;
    this.draw();
  }

  /** Removes every point; `xMax` is the x axis's new length. */
  reset(xMax = this.xMax) {
    for (const s of this.series) s.points = [];
    this.xMax = xMax;
    this.draw();
  }

  /** Adds the point (x, y) to the series with this label. */
  add(label, x, y) {
    const s = this.series.find((c) => c.label === label);
    if (!Number.isFinite(y)) return;
    s.points.push([x, y]);
    if (x > this.xMax) this.xMax = x;
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.draw();
      });
    }
  }

  draw() {
    const { ctx, width, height } = sharpContext(this.canvas);
    const box = { left: 44, right: width - 40, top: 22, bottom: height - 26 };
    const left = this.series.filter((s) => s.axis === 'left');
    const right = this.series.filter((s) => s.axis === 'right');
    // The left axis spans 0 and every value, with a 5% margin.
    const values = left.flatMap((s) => s.points.map((p) => p[1]));
    const min = Math.min(0, ...values);
    const max = Math.max(0, ...values);
    const span = max - min || 1;
    const lo = min < 0 ? min - 0.05 * span : 0;
    const hi = max > 0 ? max + 0.05 * span : min < 0 ? 0 : 1;
    const x = (v) => box.left + (v / this.xMax) * (box.right - box.left);
    const yLeft = (v) => box.bottom - ((v - lo) / (hi - lo)) * (box.bottom - box.top);
    const yRight = (v) => box.bottom - v * (box.bottom - box.top);

    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#dde1e8';
    ctx.fillStyle = '#5d6677';
    ctx.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const t = i / 4;
      const y = box.bottom - t * (box.bottom - box.top);
      ctx.beginPath();
      ctx.moveTo(box.left, y);
      ctx.lineTo(box.right, y);
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.fillText(formatTick(lo + t * (hi - lo)), box.left - 4, y);
      if (right.length) {
        ctx.textAlign = 'left';
        ctx.fillText(`${Math.round(t * 100)}%`, box.right + 4, y);
      }
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const step = Math.max(1, Math.ceil(this.xMax / 10));
    for (let v = 0; v <= this.xMax + 1e-9; v += step) ctx.fillText(String(v), x(v), box.bottom + 3);
    ctx.fillText(this.xLabel, (box.left + box.right) / 2, box.bottom + 13);

    // The legend, then each curve.
    let lx = box.left;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const s of this.series) {
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, 8, 12, 3);
      ctx.fillStyle = '#1d2330';
      ctx.fillText(s.label, lx + 16, 10);
      lx += 24 + ctx.measureText(s.label).width;
    }
    for (const s of this.series) {
      const y = s.axis === 'right' ? yRight : yLeft;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      s.points.forEach(([px, py], i) => (i ? ctx.lineTo(x(px), y(py)) : ctx.moveTo(x(px), y(py))));
      ctx.stroke();
      if (s.dots) for (const [px, py] of s.points) ctx.fillRect(x(px) - 2, y(py) - 2, 4, 4);
    }
  }
}

function formatTick(v) {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
