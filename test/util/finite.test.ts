import { describe, it, expect } from 'vitest';
import { checkFiniteF32, checkFiniteF32Array, firstNonFiniteF32, isFiniteF32 } from '../../src/util/finite.js';
import { ModelFormatError, ValueError } from '../../src/errors.js';

// The largest float32 is (2 - 2^-23) 2^127; doubles below the midpoint between
// it and 2^128 round down to it, the midpoint and above round to Infinity.
const F32_MAX = 3.4028234663852886e38;
const LAST_ROUNDING_DOWN = 3.4028235677973362e38;
const MIDPOINT = 3.4028235677973366e38;

describe('isFiniteF32: finite after rounding to float32', () => {
  it('draws the line where float32 overflows, not where float64 does', () => {
    for (const v of [0, -0, 1, -1.5, 1e-50, 1e38, F32_MAX, -F32_MAX, LAST_ROUNDING_DOWN, -LAST_ROUNDING_DOWN]) expect(isFiniteF32(v)).toBe(true);
    for (const v of [MIDPOINT, -MIDPOINT, 1e39, -1e39, Number.MAX_VALUE, NaN, Infinity, -Infinity]) expect(isFiniteF32(v)).toBe(false);
  });

  it('is false for anything that is not a number', () => {
    for (const v of ['1', null, undefined, true, [1], {}, 1n]) expect(isFiniteF32(v)).toBe(false);
  });
});

describe('checkFiniteF32: the scalar form', () => {
  it('returns the value and names op, argument and value otherwise', () => {
    expect(checkFiniteF32('op', 'x', -2.5)).toBe(-2.5);
    expect(() => checkFiniteF32('RBM.setWeights', 'initStd', 1e39)).toThrow(ValueError);
    expect(() => checkFiniteF32('RBM.setWeights', 'initStd', 1e39)).toThrow(/^RBM\.setWeights: initStd must be a finite number, got 1e\+39 \(Infinity as float32\)$/);
    expect(() => checkFiniteF32('op', 'x', -1e39)).toThrow(/x must be a finite number, got -1e\+39 \(Infinity as float32\)$/);
    expect(() => checkFiniteF32('op', 'x', NaN)).toThrow(/x must be a finite number, got NaN$/);
    expect(() => checkFiniteF32('op', 'x', Infinity)).toThrow(/x must be a finite number, got Infinity$/);
    expect(() => checkFiniteF32('op', 'x', 'a')).toThrow(/x must be a finite number, got "a"$/);
  });

  it('checks bounds, inclusive or exclusive, and says which', () => {
    expect(checkFiniteF32('op', 'rate', 0, { min: 0 })).toBe(0);
    expect(() => checkFiniteF32('op', 'rate', 0, { min: 0, minExclusive: true })).toThrow(/rate must be a finite number > 0, got 0$/);
    expect(() => checkFiniteF32('op', 'momentum', 1, { min: 0, max: 1, maxExclusive: true })).toThrow(/momentum must be a finite number >= 0 and < 1, got 1$/);
    expect(() => checkFiniteF32('op', 'p', 2, { max: 1 })).toThrow(/p must be a finite number <= 1, got 2$/);
    expect(() => checkFiniteF32('op', 'rate', 1e39, { min: 0, minExclusive: true })).toThrow(/rate must be a finite number > 0, got 1e\+39 \(Infinity as float32\)$/);
  });

  it('throws the error class it is given (ModelFormatError for files)', () => {
    expect(() => checkFiniteF32('X.fromJSON', 'bias', 1e39, {}, ModelFormatError)).toThrow(ModelFormatError);
  });
});

describe('firstNonFiniteF32 and checkFiniteF32Array: the array form', () => {
  it('finds the first entry that is not finite as float32', () => {
    expect(firstNonFiniteF32([])).toBe(-1);
    expect(firstNonFiniteF32([1, 2, F32_MAX])).toBe(-1);
    expect(firstNonFiniteF32(new Float32Array([1, 2, 3]))).toBe(-1);
    expect(firstNonFiniteF32([1, 1e39, NaN])).toBe(1);
    expect(firstNonFiniteF32([1, 2, null])).toBe(2);
    expect(firstNonFiniteF32(new Float64Array([0, 0, 0, -1e39]))).toBe(3);
    expect(firstNonFiniteF32(Float32Array.from([0, Infinity]))).toBe(1);
  });

  it('names op, argument, index and value, with the error class it is given', () => {
    expect(() => checkFiniteF32Array('op', 'w', [1, 2])).not.toThrow();
    expect(() => checkFiniteF32Array('RBM.setWeights', 'hiddenBias', [0, 1e39])).toThrow(ValueError);
    expect(() => checkFiniteF32Array('RBM.setWeights', 'hiddenBias', [0, 1e39])).toThrow(/^RBM\.setWeights: hiddenBias\[1\] must be a finite number, got 1e\+39 \(Infinity as float32\)$/);
    expect(() => checkFiniteF32Array('Net.fromJSON', 'weights', [0, 0, NaN], ModelFormatError)).toThrow(ModelFormatError);
    expect(() => checkFiniteF32Array('op', 'weights', [0, 0, 0, -Infinity], ValueError, (i) => `weights[${i >> 1}][${i & 1}]`))
      .toThrow(/^op: weights\[1\]\[1\] must be a finite number, got -Infinity$/);
  });
});
