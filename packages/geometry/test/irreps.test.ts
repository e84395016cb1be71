import { describe, expect, it } from 'vitest';
import { Irrep, Irreps, MulIrrep, irrepProduct } from '../src/index.js';

describe('Irrep', () => {
  it('parses and prints', () => {
    expect(Irrep.parse('1o')).toMatchObject({ l: 1, p: -1 });
    expect(Irrep.parse(' 2e ')).toMatchObject({ l: 2, p: 1 });
    expect(Irrep.parse('12e').toString()).toBe('12e');
    expect(Irrep.parse('3y').toString()).toBe('3o'); // y = parity of the spherical harmonics
    expect(Irrep.parse('4y').toString()).toBe('4e');
    expect(new Irrep(2, -1).dim).toBe(5);
    expect(new Irrep(0, 1).isScalar()).toBe(true);
    expect(new Irrep(0, -1).isScalar()).toBe(false);
  });

  it('rejects bad input, naming it', () => {
    expect(() => Irrep.parse('1')).toThrow(/"1"/);
    expect(() => Irrep.parse('1q')).toThrow(/"1q"/);
    expect(() => Irrep.parse('-1e')).toThrow(/"-1e"/);
    expect(() => new Irrep(-1, 1)).toThrow(RangeError);
    expect(() => new Irrep(1, 0)).toThrow(RangeError);
    expect(() => new Irrep(1.5, 1)).toThrow(RangeError);
  });

  it('product selection rule', () => {
    expect(irrepProduct('1o', '1o').map(String)).toEqual(['0e', '1e', '2e']);
    expect(irrepProduct('2e', '1o').map(String)).toEqual(['1o', '2o', '3o']);
    expect(irrepProduct('0o', '3e').map(String)).toEqual(['3o']);
    expect(irrepProduct(new Irrep(2, -1), new Irrep(2, -1)).map(String)).toEqual(['0e', '1e', '2e', '3e', '4e']);
  });

  it('iterates like e3nn', () => {
    expect([...Irrep.iterator(1)].map(String)).toEqual(['0e', '0o', '1o', '1e']);
  });

  it('is immutable', () => {
    const ir = Irrep.parse('1o');
    expect(() => {
      (ir as { l: number }).l = 3;
    }).toThrow();
  });
});

describe('Irreps', () => {
  it('parses / prints round trip (e3nn format)', () => {
    const a = Irreps.parse('16x0e + 8x1o + 4x2e');
    expect(a.toString()).toBe('16x0e+8x1o+4x2e');
    expect(Irreps.parse(a.toString()).equals(a)).toBe(true);
    expect(Irreps.parse('0e+1o').toString()).toBe('1x0e+1x1o');
    expect(Irreps.parse('2x1e').toString()).toBe('2x1e');
    expect(Irreps.parse('').toString()).toBe('');
    expect(Irreps.parse('  ').length).toBe(0);
    expect(Irreps.parse('100x0e + 50x1e + 0x2e').toString()).toBe('100x0e+50x1e+0x2e');
    expect(Irreps.from([[2, '1o'], '0e', new Irrep(2, 1), new MulIrrep(3, '1e')]).toString()).toBe('2x1o+1x0e+1x2e+3x1e');
    expect(Irreps.from(new Irrep(1, -1)).toString()).toBe('1x1o');
  });

  it('dim, numIrreps, ls, lmax', () => {
    const a = Irreps.parse('16x0e + 8x1o + 4x2e');
    expect(a.dim).toBe(16 + 24 + 20);
    expect(a.numIrreps).toBe(28);
    expect(a.length).toBe(3);
    expect(a.lmax).toBe(2);
    expect(Irreps.parse('2x0e+1x1o').ls).toEqual([0, 0, 1]);
    expect(Irreps.parse('100x0e + 50x1e + 0x2e').lmax).toBe(1);
    expect(() => Irreps.parse('').lmax).toThrow(/empty/);
  });

  it('parse errors name the string and the offending token', () => {
    expect(() => Irreps.parse('16x0e + 8x1q')).toThrow(/"16x0e \+ 8x1q".*"1q"/);
    expect(() => Irreps.parse('ax0e')).toThrow(/"ax0e".*"a"/);
    expect(() => Irreps.parse('0e++1o')).toThrow(/"0e\+\+1o".*term 2/);
    expect(() => Irreps.parse('-1x0e')).toThrow(/"-1"/);
    expect(() => Irreps.parse('2x')).toThrow(/"2x"/);
    expect(() => Irreps.parse('1.5x0e')).toThrow(/"1.5"/);
  });

  it('simplify merges adjacent equal irreps only and drops zero multiplicities', () => {
    expect(Irreps.parse('1e + 1e + 0e').simplify().toString()).toBe('2x1e+1x0e');
    expect(Irreps.parse('1e + 1e + 0e + 1e').simplify().toString()).toBe('2x1e+1x0e+1x1e');
    expect(Irreps.parse('4x0e + 0x1o + 2x3e').simplify().toString()).toBe('4x0e+2x3e');
    expect(Irreps.parse('4x0e + 0x1o + 2x3e').removeZeroMultiplicities().toString()).toBe('4x0e+2x3e');
  });

  it('sort returns the permutation like e3nn', () => {
    expect(Irreps.parse('1e + 0e + 1e').sort().irreps.toString()).toBe('1x0e+1x1e+1x1e');
    const s = Irreps.parse('2o + 1e + 0e + 1e').sort();
    expect(s.irreps.toString()).toBe('1x0e+1x1e+1x1e+1x2o');
    expect(s.p).toEqual([3, 1, 0, 2]);
    expect(s.inv).toEqual([2, 1, 3, 0]);
    // e3nn orders irreps as tuples (l, p): 0o < 0e < 1o < 1e
    expect(Irreps.parse('1e + 0e + 1o + 0o').sort().irreps.toString()).toBe('1x0o+1x0e+1x1o+1x1e');
  });

  it('regroup = sort + simplify', () => {
    expect(Irreps.parse('1e + 0e + 1e + 0e').regroup().toString()).toBe('2x0e+2x1e');
    expect(Irreps.parse('3x1o + 2x0e + 1x1o').regroup().toString()).toBe('2x0e+4x1o');
  });

  it('filter keep / drop', () => {
    const a = Irreps.parse('16x0e + 8x1o + 4x2e + 2x1o');
    expect(a.filter({ keep: '0e + 1o' }).toString()).toBe('16x0e+8x1o+2x1o');
    expect(a.filter({ drop: ['1o'] }).toString()).toBe('16x0e+4x2e');
    expect(a.filter({ keep: (t) => t.mul >= 4 }).toString()).toBe('16x0e+8x1o+4x2e');
    expect(a.filter({ keep: Irreps.parse('1o+2e'), drop: '2e' }).toString()).toBe('8x1o+2x1o');
  });

  it('slices, count, contains, equals, concat', () => {
    expect(Irreps.parse('2x0e + 1e').slices()).toEqual([
      { start: 0, stop: 2 },
      { start: 2, stop: 5 },
    ]);
    const a = Irreps.parse('16x0e + 8x1o + 4x2e + 2x1o');
    expect(a.count('1o')).toBe(10);
    expect(a.count(new Irrep(3, 1))).toBe(0);
    expect(a.contains('2e')).toBe(true);
    expect(a.contains('2o')).toBe(false);
    expect(a.equals('16x0e+8x1o+4x2e+2x1o')).toBe(true);
    expect(Irreps.parse('2x0e').equals('0e+0e')).toBe(false);
    expect(Irreps.parse('0e+0e').simplify().equals('2x0e')).toBe(true);
    expect(Irreps.parse('0e').concat('1o').toString()).toBe('1x0e+1x1o');
    expect(a.at(-1).toString()).toBe('2x1o');
    expect(() => a.at(4)).toThrow(RangeError);
  });

  it('spherical harmonics irreps', () => {
    expect(Irreps.sphericalHarmonics(3).toString()).toBe('1x0e+1x1o+1x2e+1x3o');
    expect(Irreps.sphericalHarmonics(4, 1).toString()).toBe('1x0e+1x1e+1x2e+1x3e+1x4e');
    expect(Irreps.sphericalHarmonics(12).dim).toBe(169);
  });

  it('is immutable', () => {
    const a = Irreps.parse('2x0e');
    expect(() => (a.terms as MulIrrep[]).push(new MulIrrep(1, '1o'))).toThrow();
  });
});
