import { describe, it, expect } from 'vitest';
import { ACT, kernels, type Backend, type BuildName } from '../../src/index.js';
import {
  gruAfterStepBackwardRef, gruAfterStepRef, gruGatesBackwardRef, gruGatesRef, gruOutputBackwardRef, gruOutputRef,
  lstmStepBackwardRef, lstmStepRef, type CellActs,
} from '../reference/recurrent.js';
import { actGradRef, actRef } from '../reference/activation.js';
import { BUILDS, backendFor, expectBitIdentical, expectClose, randArray } from '../helpers.js';

// Each cell kernel against the float64 step of test/reference/recurrent.ts, on
// unit counts with and without a SIMD tail, with every matrix strided (rows
// wider than the block, as one time step of a [n, T, ...] buffer is): the
// padding between rows must come back untouched.

const SENTINEL = 12345.5;
const ACTS: CellActs[] = [
  { act: 'tanh', ract: 'sigmoid', alpha: 0 },
  { act: 'tanh', ract: 'hardSigmoid', alpha: 0 },
  { act: 'relu', ract: 'sigmoid', alpha: 0 },
  { act: 'elu', ract: 'hardSigmoid', alpha: 0.7 },
  { act: 'linear', ract: 'sigmoid', alpha: 0 },
];
const SHAPES: [number, number][] = [[1, 1], [2, 3], [3, 4], [5, 7], [4, 9], [2, 16], [3, 33]];
const TOL = { atol: 2e-6, rtol: 2e-5 };

/** A strided n x w block with ld = w + pad; the padding holds a sentinel. */
class Block {
  readonly ld: number;
  readonly ptr: number;
  constructor(readonly be: Backend, readonly n: number, readonly w: number, values: ArrayLike<number>, pad: number) {
    this.ld = w + pad;
    this.ptr = be.alloc(Math.max(1, n * this.ld) * 4);
    const f = be.f32();
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < this.ld; j++) f[(this.ptr >>> 2) + b * this.ld + j] = j < w ? values[b * w + j] : SENTINEL;
    }
  }
  read(): Float32Array {
    const f = this.be.f32();
    const out = new Float32Array(this.n * this.w);
    for (let b = 0; b < this.n; b++) {
      for (let j = 0; j < this.ld; j++) {
        const v = f[(this.ptr >>> 2) + b * this.ld + j];
        if (j < this.w) out[b * this.w + j] = v;
        else if (v !== SENTINEL) throw new Error(`padding overwritten at row ${b}, column ${j}: ${v}`);
      }
    }
    return out;
  }
  free(): void {
    this.be.free(this.ptr);
  }
}

/** Runs fn on every build, checks no bytes leak, returns each build's outputs. */
async function onBuilds(fn: (be: Backend) => Float32Array[]): Promise<Map<BuildName, Float32Array[]>> {
  const out = new Map<BuildName, Float32Array[]>();
  for (const build of BUILDS) {
    const be = await backendFor(build);
    const before = be.memoryStats().liveBytes;
    out.set(build, fn(be));
    expect(be.memoryStats().liveBytes).toBe(before);
  }
  return out;
}

function compare(outs: Map<BuildName, Float32Array[]>, expected: ArrayLike<number>[], label: string): void {
  for (const [build, arrays] of outs) arrays.forEach((a, i) => expectClose(a, expected[i], TOL, `${label} output ${i} [${build}]`));
  const simd = outs.get('simd');
  const scalar = outs.get('scalar');
  if (simd && scalar) simd.forEach((a, i) => expectBitIdentical(a, scalar[i], `${label} output ${i} simd vs scalar`));
}

const f32 = (x: ArrayLike<number>) => Float64Array.from(Float32Array.from(x));
const id = (a: CellActs) => ({ act: ACT[a.act], recurrentAct: ACT[a.ract], alpha: a.alpha });

describe('LSTM step kernels', () => {
  for (const a of ACTS) {
    it(`forward and backward, ${a.act}/${a.ract}, n x u in ${JSON.stringify(SHAPES)}`, async () => {
      for (const [n, u] of SHAPES) {
        const z = randArray(n * 4 * u, n * 31 + u, -3, 3);
        const cp = randArray(n * u, n + u, -2, 2);
        const dh = randArray(n * u, 7 * n + u, -1, 1);
        const dc = randArray(n * u, 11 * n + u, -1, 1);
        const fw = lstmStepRef(a, n, u, f32(z), f32(cp));
        const bw = lstmStepBackwardRef(a, n, u, f32(z), f32(cp), f32(dh), f32(dc));
        const outs = await onBuilds((be) => {
          const bz = new Block(be, n, 4 * u, z, 3), bcp = new Block(be, n, u, cp, 2);
          const bc = new Block(be, n, u, new Float32Array(n * u), 5), bh = new Block(be, n, u, new Float32Array(n * u), 1);
          kernels.lstmCell(be, {
            ...id(a), n, u, cPrev: bcp.ptr, ldcPrev: bcp.ld, z: bz.ptr, ldz: bz.ld, c: bc.ptr, ldc: bc.ld, h: bh.ptr, ldh: bh.ld,
          });
          const bdh = new Block(be, n, u, dh, 4), bdc = new Block(be, n, u, dc, 1), bdz = new Block(be, n, 4 * u, new Float32Array(n * 4 * u), 2);
          kernels.lstmCellBackward(be, {
            ...id(a), n, u, gates: bz.ptr, ldg: bz.ld, cPrev: bcp.ptr, ldcPrev: bcp.ld, c: bc.ptr, ldc: bc.ld, dh: bdh.ptr, lddh: bdh.ld,
            dc: bdc.ptr, lddc: bdc.ld, dz: bdz.ptr, lddz: bdz.ld,
          });
          const res = [bz.read(), bc.read(), bh.read(), bdz.read(), bdc.read(), bdh.read(), bcp.read()];
          for (const b of [bz, bcp, bc, bh, bdh, bdc, bdz]) b.free();
          return res;
        });
        compare(outs, [fw.gates, fw.c, fw.h, bw.dz, bw.dcOut, dh, cp], `lstm ${a.act}/${a.ract} n=${n} u=${u}`);
      }
    });
  }
});

describe('GRU step kernels, reset gate after the recurrent product', () => {
  for (const a of ACTS) {
    it(`forward and backward, ${a.act}/${a.ract}`, async () => {
      for (const [n, u] of SHAPES) {
        const zx = randArray(n * 3 * u, n * 13 + u, -3, 3);
        const rec = randArray(n * 3 * u, n * 17 + u, -2, 2);
        const hp = randArray(n * u, n * 19 + u, -1, 1);
        const dh = randArray(n * u, n * 23 + u, -1, 1);
        const fw = gruAfterStepRef(a, n, u, f32(zx), f32(rec), f32(hp));
        const bw = gruAfterStepBackwardRef(a, n, u, f32(zx), f32(rec), f32(hp), f32(dh));
        const outs = await onBuilds((be) => {
          const bz = new Block(be, n, 3 * u, zx, 2), brec = new Block(be, n, 3 * u, rec, 1), bhp = new Block(be, n, u, hp, 3);
          const bh = new Block(be, n, u, new Float32Array(n * u), 2);
          kernels.gruCell(be, {
            ...id(a), n, u, hPrev: bhp.ptr, ldhPrev: bhp.ld, rec: brec.ptr, ldrec: brec.ld, z: bz.ptr, ldz: bz.ld, h: bh.ptr, ldh: bh.ld,
          });
          const bdh = new Block(be, n, u, dh, 1), bdz = new Block(be, n, 3 * u, new Float32Array(n * 3 * u), 4);
          const bdrec = new Block(be, n, 3 * u, new Float32Array(n * 3 * u), 1), bdhp = new Block(be, n, u, new Float32Array(n * u), 2);
          kernels.gruCellBackward(be, {
            ...id(a), n, u, gates: bz.ptr, ldg: bz.ld, hPrev: bhp.ptr, ldhPrev: bhp.ld, rec: brec.ptr, ldrec: brec.ld, dh: bdh.ptr,
            lddh: bdh.ld, dz: bdz.ptr, lddz: bdz.ld, drec: bdrec.ptr, lddrec: bdrec.ld, dhPrev: bdhp.ptr, lddhPrev: bdhp.ld,
          });
          const res = [bz.read(), bh.read(), bdz.read(), bdrec.read(), bdhp.read(), brec.read()];
          for (const b of [bz, brec, bhp, bh, bdh, bdz, bdrec, bdhp]) b.free();
          return res;
        });
        compare(outs, [fw.gates, fw.h, bw.dz, bw.drec, bw.dhp, rec], `gru-after ${a.act}/${a.ract} n=${n} u=${u}`);
      }
    });
  }
});

describe('GRU step kernels, reset gate before the recurrent product', () => {
  for (const a of ACTS) {
    it(`gates, output and their backward passes, ${a.act}/${a.ract}`, async () => {
      for (const [n, u] of SHAPES) {
        const pre = randArray(n * 3 * u, n * 29 + u, -3, 3);
        const hp = randArray(n * u, n * 37 + u, -1, 1);
        const dh = randArray(n * u, n * 41 + u, -1, 1);
        const drh = randArray(n * u, n * 43 + u, -1, 1);
        const g = gruGatesRef(a, n, u, f32(pre), f32(hp));
        const o = gruOutputRef(a, n, u, f32(Float32Array.from(g.gates)), f32(hp));
        const ob = gruOutputBackwardRef(a, n, u, f32(pre), f32(hp), f32(dh));
        const gb = gruGatesBackwardRef(a, n, u, f32(pre), f32(hp), f32(drh));
        const dz = new Float64Array(n * 3 * u);
        for (let b = 0; b < n; b++) {
          for (let j = 0; j < u; j++) {
            dz[b * 3 * u + j] = ob.dz[b * 3 * u + j];
            dz[b * 3 * u + u + j] = gb.dzr[b * u + j];
            dz[b * 3 * u + 2 * u + j] = ob.dz[b * 3 * u + 2 * u + j];
          }
        }
        const dhp = ob.dhp.map((v, i) => v + gb.dhp[i]);
        const outs = await onBuilds((be) => {
          const bz = new Block(be, n, 3 * u, pre, 1), bhp = new Block(be, n, u, hp, 2), brh = new Block(be, n, u, new Float32Array(n * u), 3);
          kernels.gruGates(be, { recurrentAct: ACT[a.ract], n, u, hPrev: bhp.ptr, ldhPrev: bhp.ld, z: bz.ptr, ldz: bz.ld, rh: brh.ptr, ldrh: brh.ld });
          const gates1 = bz.read();
          const bh = new Block(be, n, u, new Float32Array(n * u), 1);
          kernels.gruOutput(be, { act: ACT[a.act], alpha: a.alpha, n, u, hPrev: bhp.ptr, ldhPrev: bhp.ld, z: bz.ptr, ldz: bz.ld, h: bh.ptr, ldh: bh.ld });
          const bdh = new Block(be, n, u, dh, 2), bdz = new Block(be, n, 3 * u, new Float32Array(n * 3 * u), 1);
          const bdhp = new Block(be, n, u, new Float32Array(n * u), 2), bdrh = new Block(be, n, u, drh, 1);
          kernels.gruOutputBackward(be, {
            ...id(a), n, u, gates: bz.ptr, ldg: bz.ld, hPrev: bhp.ptr, ldhPrev: bhp.ld, dh: bdh.ptr, lddh: bdh.ld, dz: bdz.ptr, lddz: bdz.ld,
            dhPrev: bdhp.ptr, lddhPrev: bdhp.ld,
          });
          kernels.gruGatesBackward(be, {
            recurrentAct: ACT[a.ract], n, u, gates: bz.ptr, ldg: bz.ld, hPrev: bhp.ptr, ldhPrev: bhp.ld, drh: bdrh.ptr, lddrh: bdrh.ld,
            dz: bdz.ptr, lddz: bdz.ld, dhPrev: bdhp.ptr, lddhPrev: bdhp.ld,
          });
          const res = [gates1, brh.read(), bz.read(), bh.read(), bdz.read(), bdhp.read()];
          for (const b of [bz, bhp, brh, bh, bdh, bdz, bdhp, bdrh]) b.free();
          return res;
        });
        compare(outs, [g.gates, g.rh, o.gates, o.h, dz, dhp], `gru-before ${a.act}/${a.ract} n=${n} u=${u}`);
      }
    });
  }
});

describe('simple RNN step backward', () => {
  for (const a of ACTS) {
    it(`dz = act'(z) dh from h, ${a.act}, in place and strided`, async () => {
      for (const [n, u] of SHAPES) {
        const z = randArray(n * u, n * 47 + u, -3, 3);
        const h = Float32Array.from(z, (v) => actRef(a.act, v, a.alpha));
        const dh = randArray(n * u, n * 53 + u, -1, 1);
        const expected = Array.from(dh, (d, i) => d * actGradRef(a.act, z[i], a.alpha));
        const outs = await onBuilds((be) => {
          const bh = new Block(be, n, u, h, 2), bdh = new Block(be, n, u, dh, 3);
          kernels.rnnCellBackward(be, { act: ACT[a.act], alpha: a.alpha, n, u, h: bh.ptr, ldh: bh.ld, dh: bdh.ptr, lddh: bdh.ld, dz: bdh.ptr, lddz: bdh.ld });
          const res = [bdh.read()];
          bh.free();
          bdh.free();
          return res;
        });
        // elu's derivative from its output: y + alpha = alpha e^x, rounded through y.
        compare(outs, [expected], `rnn ${a.act} n=${n} u=${u}`);
      }
    });
  }
});

describe('embedding gather and scatter-add', () => {
  it('gathers rows by id, accumulates repeated ids in order, reports the first invalid id', async () => {
    const vocab = 6, d = 7;
    const table = randArray(vocab * d, 3);
    const ids = [0, 5, 2, 2, 5, 5, 1];
    const dy = randArray(ids.length * d, 4);
    const expectedY = ids.flatMap((i) => Array.from(table.subarray(i * d, i * d + d)));
    const expectedDt = new Float64Array(vocab * d);
    ids.forEach((id, r) => { for (let j = 0; j < d; j++) expectedDt[id * d + j] = Math.fround(expectedDt[id * d + j] + dy[r * d + j]); });
    const outs = await onBuilds((be) => {
      const pIds = be.alloc(4 * 16), pT = be.alloc(4 * vocab * d), pY = be.alloc(4 * 16 * 9), pDt = be.alloc(4 * vocab * d), pDy = be.alloc(4 * dy.length);
      be.f32().set(ids, pIds >>> 2);
      be.f32().set(table, pT >>> 2);
      be.f32().set(dy, pDy >>> 2);
      be.f32().fill(0, pDt >>> 2, (pDt >>> 2) + vocab * d);
      expect(kernels.gatherRows(be, { n: ids.length, d, vocab, ids: pIds, table: pT, y: pY, ldy: 9 })).toBe(-1);
      const y = new Float32Array(ids.length * d);
      for (let r = 0; r < ids.length; r++) y.set(be.readF32(pY + r * 36, d), r * d);
      expect(kernels.scatterAddRows(be, { n: ids.length, d, vocab, ids: pIds, dy: pDy, dtable: pDt })).toBe(-1);
      const dt = be.readF32(pDt, vocab * d);
      for (const [bad, pos] of [[[1, 6, 0], 1], [[2, 1.5, 0], 1], [[-1, 0, 0], 0], [[0, 1, NaN], 2], [[0, 1, Infinity], 2]] as const) {
        be.f32().set(bad, pIds >>> 2);
        expect(kernels.gatherRows(be, { n: 3, d, vocab, ids: pIds, table: pT, y: pY })).toBe(pos);
        expect(Array.from(be.readF32(pY + pos * d * 4, d))).toEqual(new Array(d).fill(0));
        const before = be.readF32(pDt, vocab * d);
        expect(kernels.scatterAddRows(be, { n: 3, d, vocab, ids: pIds, dy: pDy, dtable: pDt })).toBe(pos);
        let changed = 0;
        const after = be.readF32(pDt, vocab * d);
        for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) changed++;
        expect(changed).toBeLessThanOrEqual(2 * d);
      }
      for (const p of [pIds, pT, pY, pDt, pDy]) be.free(p);
      return [y, dt];
    });
    for (const [, [y, dt]] of outs) {
      expect(Array.from(y)).toEqual(expectedY);
      expect(Array.from(dt)).toEqual(Array.from(expectedDt));
    }
  });
});

describe('masking kernels', () => {
  it('maskRows sets, zeroes or adds only the rows whose mask is 0', async () => {
    const n = 5, w = 6, ld = 9;
    const mask = [1, 0, 1, 0, 0];
    const x = randArray(n * ld, 5), y = randArray(n * ld, 6);
    for (const mode of ['set', 'add', 'zero'] as const) {
      const expected = Float32Array.from(y);
      for (let b = 0; b < n; b++) {
        if (mask[b]) continue;
        for (let j = 0; j < w; j++) {
          const k = b * ld + j;
          expected[k] = mode === 'set' ? x[k] : mode === 'zero' ? 0 : Math.fround(y[k] + x[k]);
        }
      }
      const outs = await onBuilds((be) => {
        const pm = be.alloc(4 * n * 3), px = be.alloc(4 * n * ld), py = be.alloc(4 * n * ld);
        mask.forEach((m, b) => { be.f32()[(pm >>> 2) + 3 * b] = m; });
        be.f32().set(x, px >>> 2);
        be.f32().set(y, py >>> 2);
        kernels.maskRows(be, { mode: mode === 'add' ? 'add' : 'set', n, w, mask: pm, ldm: 3, x: mode === 'zero' ? 0 : px, ldx: ld, y: py, ldy: ld });
        const out = be.readF32(py, n * ld);
        for (const p of [pm, px, py]) be.free(p);
        return [out];
      });
      for (const [, [out]] of outs) expect(Array.from(out)).toEqual(Array.from(expected));
    }
  });

  it('stepMask marks steps whose features all equal the mask value', async () => {
    const w = 3;
    const x = [0, 0, 0, 0, 1, 0, -0, 0, 0, NaN, 0, 0, 2, 2, 2];
    const outs = await onBuilds((be) => {
      const px = be.alloc(4 * x.length), po = be.alloc(4 * 5);
      be.f32().set(x, px >>> 2);
      kernels.stepMask(be, { n: 5, w, x: px, out: po, value: 0 });
      const a = be.readF32(po, 5);
      kernels.stepMask(be, { n: 5, w, x: px, out: po, value: 2 });
      const b = be.readF32(po, 5);
      be.free(px);
      be.free(po);
      return [a, b];
    });
    for (const [, [a, b]] of outs) {
      expect(Array.from(a)).toEqual([0, 1, 0, 1, 1]);
      expect(Array.from(b)).toEqual([1, 1, 1, 1, 0]);
    }
  });
});
