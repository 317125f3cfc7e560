import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ModelFormatError } from '../../src/index.js';
import { checkPlainJSON, locateSyntaxError, parseJSONText } from '../../src/io/json.js';

const SEED = Number(process.env.SIMDNN_FUZZ_SEED ?? 0x150e);
const RUNS = Number(process.env.SIMDNN_FUZZ_RUNS ?? 200);

/** True when JSON.parse accepts the text. */
function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// Valid JSON, then damaged at one place: characters removed, replaced or inserted.
const damaged = fc
  .tuple(fc.json({ maxDepth: 4 }), fc.nat(), fc.nat({ max: 3 }), fc.constantFrom('', '}', ']', ',', ':', '"', '\\', '-', '0', 'e', ' ', 'tru', '\u0001', '{', '['))
  .map(([text, at, cut, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + text.slice(i + cut);
  });

describe('locating JSON syntax errors', () => {
  it('agrees with JSON.parse on which texts are JSON, for damaged JSON and arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(damaged, fc.string({ maxLength: 20 }), fc.json()), (text) => {
        expect(locateSyntaxError(text) === null).toBe(parses(text));
      }),
      { seed: SEED, numRuns: RUNS * 5 },
    );
  });

  it('points at the first character that cannot continue a JSON text', () => {
    expect(locateSyntaxError('{"a": [1, 2,, 3]}')).toEqual({ index: 12, reason: 'expected a value, found ","' });
    expect(locateSyntaxError('{"a" 1}')).toEqual({ index: 5, reason: "expected ':' after an object key, found \"1\"" });
    expect(locateSyntaxError('[01]')).toEqual({ index: 2, reason: 'expected \',\' or \']\', found "1"' });
    expect(locateSyntaxError('"abc')).toEqual({ index: 4, reason: 'unterminated string' });
    expect(locateSyntaxError('"a\\x"')).toEqual({ index: 2, reason: 'bad escape in a string' });
    expect(locateSyntaxError('{} {}')).toEqual({ index: 3, reason: 'unexpected "{" after the JSON value' });
    expect(locateSyntaxError('{"a":1,}')).toEqual({ index: 7, reason: 'expected a string, found "}"' });
    expect(locateSyntaxError('['.repeat(1e6))).toEqual({ index: 1e6, reason: 'expected a value, found end of input' });
  });

  it('turns a parse failure into a ModelFormatError at the byte, counting UTF-8', () => {
    expect(() => parseJSONText('op', 'model.json', '{"ü": tru}', 100)).toThrow(ModelFormatError);
    expect(() => parseJSONText('op', 'model.json', '{"ü": tru}', 100)).toThrow(/^op: model\.json: invalid JSON at byte 107: expected a value, found "t"$/);
  });
});

describe('checking plain JSON data', () => {
  it('accepts JSON values and refuses cycles, class instances, functions and prototype keys, with their path', () => {
    checkPlainJSON('op', 'x', JSON.parse('{"a": [1, {"b": null}], "c": "d"}'));
    const cyclic: Record<string, unknown> = { a: [] };
    (cyclic.a as unknown[]).push(cyclic);
    expect(() => checkPlainJSON('op', 'x', cyclic)).toThrow(/^op: x(\.a\[0\]){32}: nested deeper than 64 levels \(or cyclic\)$/);
    expect(() => checkPlainJSON('op', 'x', { a: [new Date(0)] })).toThrow(/^op: x\.a\[0\]: must be plain JSON data, got an object$/);
    expect(() => checkPlainJSON('op', 'x', { f: () => 1 })).toThrow(/^op: x\.f: must be plain JSON data, got a function$/);
    expect(() => checkPlainJSON('op', 'x', [undefined])).toThrow(/^op: x\[0\]: must be plain JSON data, got undefined$/);
    expect(() => checkPlainJSON('op', 'x', JSON.parse('{"a": {"prototype": 1}}'))).toThrow(/^op: x\.a: the key "prototype" is not allowed$/);
  });
});
