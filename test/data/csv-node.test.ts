import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsv } from '../../src/data/csv-node.js';
import { ValueError } from '../../src/errors.js';

describe('loadCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and parses a UTF-8 file', () => {
    const path = join(dir, 'xor.csv');
    writeFileSync(path, '\uFEFFa,b,xor\r\n0,0,0\r\n0,1,1\r\n1,0,1\r\n1,1,0\r\n', 'utf8');
    const d = loadCsv(path, { labelColumn: 'xor' });
    expect(d.n).toBe(4);
    expect(Array.from(d.x)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(d.y)).toEqual([0, 1, 1, 0]);
    expect(d.classNames).toEqual(['0', '1']);
  });

  it('passes parse errors through and names a missing file', () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'a,y\n1,0\nz,1\n');
    expect(() => loadCsv(path, { labelColumn: 'y' })).toThrow(/row 3, column "a".*got "z"/);
    expect(() => loadCsv(join(dir, 'nope.csv'), { labelColumn: 'y' })).toThrow(/ENOENT.*nope\.csv/);
    expect(() => loadCsv('', { labelColumn: 'y' })).toThrow(ValueError);
  });
});
