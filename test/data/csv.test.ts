import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseCsv, parseCsvRecords } from '../../src/data/csv.js';
import { ShapeError, ValueError } from '../../src/errors.js';

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

describe('parseCsvRecords (RFC 4180)', () => {
  it('splits plain fields and numbers rows by their starting line', () => {
    expect(parseCsvRecords('a,b\n1,2\n')).toEqual([
      { fields: ['a', 'b'], row: 1 },
      { fields: ['1', '2'], row: 2 },
    ]);
  });

  it('handles quoted delimiters, doubled quotes and line breaks inside quotes', () => {
    const text = 'name,note\n"Smith, J","said ""hi"""\n"two\nlines",x\nlast,"",\n';
    expect(parseCsvRecords(text)).toEqual([
      { fields: ['name', 'note'], row: 1 },
      { fields: ['Smith, J', 'said "hi"'], row: 2 },
      { fields: ['two\nlines', 'x'], row: 3 },
      { fields: ['last', '', ''], row: 5 },
    ]);
  });

  it('accepts CRLF, lone CR, a BOM, no trailing newline, and skips blank lines', () => {
    expect(parseCsvRecords('\uFEFFa,b\r\n1,2\r\n\r\n  \r\n3,4').map((r) => [r.row, r.fields])).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [5, ['3', '4']],
    ]);
    expect(parseCsvRecords('a\rb\r').map((r) => r.fields)).toEqual([['a'], ['b']]);
    expect(parseCsvRecords('"x\r\ny",1\r\n2,3').map((r) => [r.row, r.fields])).toEqual([
      [1, ['x\r\ny', '1']],
      [3, ['2', '3']],
    ]);
    expect(parseCsvRecords('')).toEqual([]);
    expect(parseCsvRecords('\n\n')).toEqual([]);
  });

  it('keeps a quote that does not open a field as an ordinary character', () => {
    expect(parseCsvRecords('5" disk,a"b')[0].fields).toEqual(['5" disk', 'a"b']);
  });

  it('takes another delimiter', () => {
    expect(parseCsvRecords('a;"b;c";d', { delimiter: ';' })[0].fields).toEqual(['a', 'b;c', 'd']);
    expect(parseCsvRecords('1\t2', { delimiter: '\t' })[0].fields).toEqual(['1', '2']);
  });

  it('reports unterminated quotes and text after a closing quote with the row', () => {
    expect(() => parseCsvRecords('a,b\n1,"open\n2,3')).toThrow(ValueError);
    expect(() => parseCsvRecords('a,b\n1,"open\n2,3')).toThrow(/row 2: the quoted field opened on line 2 is never closed/);
    expect(() => parseCsvRecords('a,b\n1,"x"y')).toThrow(/row 2: unexpected "y" after the closing quote of field 2/);
  });

  it('rejects a bad delimiter', () => {
    for (const d of ['', ',,', '"', '\n', '\r']) {
      expect(() => parseCsvRecords('a', { delimiter: d })).toThrow(/delimiter must be one character other than a quote or a line break/);
    }
  });
});

describe('parseCsv', () => {
  const iris = 'sepal_length,sepal_width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n4.9,3.0,setosa\n6.3,3.3,virginica\n';

  it('reads features and string labels by label name, classes in order of first appearance', () => {
    const d = parseCsv(iris, { labelColumn: 'species' });
    expect(d.n).toBe(4);
    expect(d.features).toBe(2);
    expect(d.shape).toEqual([2]);
    expect(d.x).toEqual(f32([5.1, 3.5, 7.0, 3.2, 4.9, 3.0, 6.3, 3.3]));
    expect(d.y).toBeInstanceOf(Int32Array);
    expect(Array.from(d.y)).toEqual([0, 1, 0, 2]);
    expect(d.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(d.classes).toBe(3);
    expect(d.featureNames).toEqual(['sepal_length', 'sepal_width']);
    expect(d.labelName).toBe('species');
  });

  it('takes the label by index, negative from the end, anywhere in the row', () => {
    expect(parseCsv(iris, { labelColumn: 2 }).classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(parseCsv(iris, { labelColumn: -1 }).labelName).toBe('species');
    const first = parseCsv('y,a,b\n1,2,3\n0,4,5\n', { labelColumn: 0 });
    expect(first.x).toEqual(f32([2, 3, 4, 5]));
    expect(first.featureNames).toEqual(['a', 'b']);
    expect(Array.from(first.y)).toEqual([1, 0]);
    const middle = parseCsv('a,y,b\n1,2,3\n', { labelColumn: 'y' });
    expect(middle.x).toEqual(f32([1, 3]));
  });

  it('reads a file without a header, naming columns by index', () => {
    const d = parseCsv('1,2,0\n3,4,1\n', { labelColumn: 2, header: false });
    expect(d.n).toBe(2);
    expect(d.x).toEqual(f32([1, 2, 3, 4]));
    expect(Array.from(d.y)).toEqual([0, 1]);
    expect(d.featureNames).toEqual(['0', '1']);
    expect(d.labelName).toBe('2');
  });

  it('integer labels are classes sorted numerically, whatever their spelling', () => {
    const d = parseCsv('a,y\n0,10\n0,2\n0,-1\n0,2.0\n0,+10\n', { labelColumn: 'y' });
    expect(d.y).toBeInstanceOf(Int32Array);
    expect(d.classNames).toEqual(['-1', '2', '10']);
    expect(Array.from(d.y)).toEqual([2, 1, 0, 1, 2]);
  });

  it('non-integer numeric labels are regression targets', () => {
    const d = parseCsv('a,y\n1,0.5\n2,3\n3,-1e-3\n', { labelColumn: 'y' });
    expect(d.y).toBeInstanceOf(Float32Array);
    expect(d.y).toEqual(f32([0.5, 3, -1e-3]));
    expect(d.classNames).toBeUndefined();
    expect(d.classes).toBeUndefined();
  });

  it('a column mixing numbers and words is string classes', () => {
    const d = parseCsv('a,y\n1,2\n2,cat\n3,2\n', { labelColumn: 'y' });
    expect(d.classNames).toEqual(['2', 'cat']);
    expect(Array.from(d.y)).toEqual([0, 1, 0]);
  });

  it('reads quoted numbers and names, CRLF, surrounding spaces and a custom delimiter', () => {
    const text = '"x, first";" y ";label\r\n" 1.5 ";-2;"a;b"\r\n3e2;.25;c\r\n';
    const d = parseCsv(text, { labelColumn: 'label', delimiter: ';' });
    expect(d.featureNames).toEqual(['x, first', 'y']);
    expect(d.x).toEqual(f32([1.5, -2, 300, 0.25]));
    expect(d.classNames).toEqual(['a;b', 'c']);
  });

  it('names row and column of a value that is not a number', () => {
    const text = 'a,b,y\n1,2,0\n3,x,1\n';
    expect(() => parseCsv(text, { labelColumn: 'y' })).toThrow(ValueError);
    expect(() => parseCsv(text, { labelColumn: 'y' })).toThrow(/row 3, column "b".*got "x"/);
    expect(() => parseCsv('1,2,0\n3,,1\n', { labelColumn: 2, header: false })).toThrow(/row 2, column 1: expected a number, got ""/);
    for (const bad of ['0x10', 'Infinity', 'NaN', '1,5', '1e', '.', '--1']) {
      expect(() => parseCsv(`a,y\n"${bad}",1\n`, { labelColumn: 'y' })).toThrow(/row 2, column "a": expected a number/);
    }
    expect(() => parseCsv('a,y\n1e39,1\n', { labelColumn: 'y' })).toThrow(/row 2, column "a": "1e39" is outside the float32 range/);
  });

  it('counts rows as lines of the file, blank lines and quoted line breaks included', () => {
    const text = 'a,y\n\n"1",0\n"multi\nline",1\n';
    expect(() => parseCsv(text, { labelColumn: 'y' })).toThrow(/row 4, column "a".*got "multi\\nline"/);
  });

  it('the example message of the design: row 12, column "petal_width"', () => {
    const lines = ['petal_length,petal_width,species'];
    for (let i = 0; i < 10; i++) lines.push('1.4,0.2,setosa');
    lines.push('1.4,abc,setosa');
    expect(() => parseCsv(lines.join('\n'), { labelColumn: 'species' })).toThrow(
      'parseCsv: row 12, column "petal_width": expected a number, got "abc"',
    );
  });

  it('rejects ragged rows with a ShapeError giving row and counts', () => {
    expect(() => parseCsv('a,b,y\n1,2,0\n1,2\n', { labelColumn: 'y' })).toThrow(ShapeError);
    expect(() => parseCsv('a,b,y\n1,2,0\n1,2\n', { labelColumn: 'y' })).toThrow(/row 3 has 2 fields, expected 3 as in row 1/);
    expect(() => parseCsv('1,2,0\n1,2,3,4\n', { labelColumn: 0, header: false })).toThrow(/row 2 has 4 fields, expected 3 as in row 1/);
  });

  it('rejects an unknown label column, listing the columns', () => {
    expect(() => parseCsv(iris, { labelColumn: 'class' })).toThrow(ValueError);
    expect(() => parseCsv(iris, { labelColumn: 'class' })).toThrow(
      /labelColumn "class" is not a column; the columns are "sepal_length", "sepal_width", "species"/,
    );
    expect(() => parseCsv(iris, { labelColumn: 3 })).toThrow(/labelColumn must be a column index in \[-3, 2\] for 3 columns, got 3/);
    expect(() => parseCsv(iris, { labelColumn: 1.5 })).toThrow(/labelColumn.*got 1\.5/);
    expect(() => parseCsv('1,2\n', { labelColumn: 'y', header: false })).toThrow(/labelColumn "y" is a name but header is false/);
    expect(() => parseCsv('a,y,y\n1,2,3\n', { labelColumn: 'y' })).toThrow(/labelColumn "y" names 2 columns \(indices 1, 2\)/);
    expect(() => parseCsv(iris, {} as never)).toThrow(/labelColumn must be a column name or index, got undefined/);
  });

  it('rejects empty labels, empty input, a header alone, and a single column', () => {
    expect(() => parseCsv('a,y\n1, \n', { labelColumn: 'y' })).toThrow(/row 2, column "y": the label is empty/);
    expect(() => parseCsv('', { labelColumn: 0 })).toThrow(/parseCsv: text has no rows/);
    expect(() => parseCsv('a,y\n\n', { labelColumn: 'y' })).toThrow(/no data rows after the header \(row 1\)/);
    expect(() => parseCsv('y\n1\n', { labelColumn: 'y' })).toThrow(ShapeError);
    expect(() => parseCsv('y\n1\n', { labelColumn: 'y' })).toThrow(/row 1 has 1 field, need at least 2/);
    expect(() => parseCsv(42 as never, { labelColumn: 0 })).toThrow(/text must be a string, got 42/);
    expect(() => parseCsv('a,y\n1,2\n', { labelColumn: 'y', header: 'yes' as never })).toThrow(/header must be a boolean, got "yes"/);
  });

  it('grows past its first buffer on a larger table', () => {
    const rows = ['a,b,c,y'];
    for (let i = 0; i < 2000; i++) rows.push(`${i},${i + 0.5},${-i},${i % 3}`);
    const d = parseCsv(rows.join('\n'), { labelColumn: 'y' });
    expect(d.n).toBe(2000);
    expect(Array.from(d.x.subarray(3 * 1999))).toEqual([1999, 1999.5, -1999]);
    expect(d.classNames).toEqual(['0', '1', '2']);
  });
});

describe('parseCsv round trip (property)', () => {
  // fc.float draws float32 values, so printing and parsing them must give them back exactly;
  // -0 prints as "0", hence the map.
  const value = fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v));

  const quote = (s: string, q: boolean): string => (q ? `"${s.replace(/"/g, '""')}"` : s);

  it('serialising a numeric table (some fields quoted, any line ending) and parsing it gives it back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((features) =>
          fc.record({
            features: fc.constant(features),
            rows: fc.array(fc.tuple(fc.array(value, { minLength: features, maxLength: features }), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 20 }),
            quoted: fc.array(fc.boolean(), { minLength: features + 1, maxLength: features + 1 }),
            eol: fc.constantFrom('\n', '\r\n'),
            trailing: fc.boolean(),
            delimiter: fc.constantFrom(',', ';', '\t'),
          }),
        ),
        ({ features, rows, quoted, eol, trailing, delimiter }) => {
          const names = Array.from({ length: features }, (_, i) => `f${i}${delimiter}"x"`);
          const head = [...names, 'label'].map((s, c) => quote(s, c < features || quoted[c])).join(delimiter);
          const body = rows.map(([xs, y]) => [...xs.map((v, c) => quote(String(v), quoted[c])), quote(String(y), quoted[features])].join(delimiter));
          const text = [head, ...body].join(eol) + (trailing ? eol : '');
          const d = parseCsv(text, { labelColumn: 'label', delimiter });
          expect(d.n).toBe(rows.length);
          expect(d.features).toBe(features);
          expect(d.featureNames).toEqual(names);
          expect(Array.from(d.x)).toEqual(rows.flatMap(([xs]) => xs));
          const distinct = [...new Set(rows.map(([, y]) => y))].sort((a, b) => a - b);
          expect(d.classNames).toEqual(distinct.map(String));
          expect(Array.from(d.y)).toEqual(rows.map(([, y]) => distinct.indexOf(y)));
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });
});
