// Bad calls must throw JS errors, never crash the process or touch memory
// outside the given arrays.
import { describe, expect, it } from 'vitest';
import { ADDON_ENV, addonCandidates, loadAddon } from '../src/addon.js';
import { createCpuPrimitives } from '../src/cpu-primitives.js';

const addon = loadAddon();
const cpu = createCpuPrimitives();
const f32 = (n: number) => new Float32Array(n);
const f64 = (n: number) => new Float64Array(n);

describe('index errors', () => {
  it('gather: an out-of-range index throws an Error naming it and writes nothing', () => {
    const out = f64(4).fill(3);
    expect(() => cpu.gather(f64(6), Int32Array.from([0, 7]), out, 2)).toThrow(/index 7 at position 1 is outside \[0, 3\)/);
    expect(() => cpu.gather(f64(6), Int32Array.from([-1]), f64(2), 2)).toThrow(/index -1/);
    expect(Array.from(out)).toEqual([3, 3, 3, 3]);
  });

  it('scatter: an index outside [0, numSegments) throws', () => {
    expect(() => cpu.scatter('sum', f32(6), Int32Array.from([0, 1, 5]), f32(4), 2, 2)).toThrow(/scatter: index 5 at position 2 is outside \[0, 2\)/);
    expect(() => cpu.scatter('max', f32(2), Int32Array.from([-3]), f32(4), 2, 2)).toThrow(/index -3/);
  });

  it('copyBox: a box past either array throws', () => {
    expect(() => cpu.copyBox(f32(12), [3, 4], [2, 0], f32(12), [3, 4], [0, 0], [2, 4])).toThrow(/exceeds source extent 3 on axis 0/);
    expect(() => cpu.copyBox(f32(12), [3, 4], [0, 0], f32(12), [3, 4], [0, 1], [1, 4])).toThrow(/exceeds destination extent 4 on axis 1/);
  });

  it('index errors are RangeErrors', () => {
    expect(() => addon.gather(f32(1), Int32Array.from([1]), f32(1), 1)).toThrow(RangeError);
  });
});

describe('argument errors', () => {
  it('wrong array types throw TypeErrors naming the argument', () => {
    expect(() => addon.unary(0, [1, 2] as unknown as Float32Array, f32(2))).toThrow(/unary: argument 'x' must be a Float32Array or a Float64Array/);
    expect(() => addon.unary(0, f32(2), new Int32Array(2) as unknown as Float32Array)).toThrow(TypeError);
    expect(() => addon.unary(0, f32(2), f64(2))).toThrow(/argument 'out' must have the same element type/);
    expect(() => addon.matmul(new Int32Array(4), f32(4), f32(4), 1, 2, 2, 2, false, false, 0, 0)).toThrow(/matmul: argument 'a'/);
    expect(() => addon.gather(f32(4), new Float32Array(2) as unknown as Int32Array, f32(4), 2)).toThrow(/argument 'index' must be an Int32Array/);
    expect(() => addon.transpose(f32(4), 'abc' as unknown as number[], [0], f32(4))).toThrow(/argument 'shape' must be an array of integers/);
    expect(() => addon.binary(0, new Uint8Array(2) as unknown as Float32Array, [1], f32(2), [1], f32(2), [2])).toThrow(/argument 'a'/);
  });

  it('wrong scalar types and missing arguments throw, naming the argument', () => {
    expect(() => addon.reduce(0, f32(4), f32(1), '1' as unknown as number, 4, 1)).toThrow(/argument 'outer' must be a number/);
    expect(() => addon.matmul(f32(4), f32(4), f32(4), 1, 2, 2, 2, 1 as unknown as boolean, false, 0, 0)).toThrow(/argument 'transA' must be a boolean/);
    expect(() => addon.reduce(0, f32(4), f32(1), -1, 4, 1)).toThrow(/non-negative integer/);
    expect(() => addon.reduce(0, f32(4), f32(1), 1.5, 4, 1)).toThrow(/non-negative integer/);
    expect(() => (addon.cast as unknown as (x: unknown) => void)(f32(2))).toThrow(/argument 'dst'/);
    expect(() => (addon.matmul as unknown as () => void)()).toThrow(TypeError);
  });

  it('arrays shorter than the sizes say throw RangeErrors instead of overrunning', () => {
    expect(() => addon.unary(0, f32(8), f32(4))).toThrow(/argument 'out' has 4 elements, needs at least 8/);
    expect(() => addon.matmul(f32(5), f32(6), f32(4), 1, 2, 3, 2, false, false, 0, 0)).toThrow(/argument 'a' has 5 elements, needs at least 6/);
    expect(() => addon.matmul(f32(12), f32(6), f32(8), 2, 2, 3, 2, false, false, 7, 0)).toThrow(/argument 'a'/);
    expect(() => addon.reduce(0, f64(5), f64(2), 2, 3, 1)).toThrow(RangeError);
    expect(() => addon.binary(0, f32(3), [2, 1], f32(4), [2, 1], f32(4), [2, 2])).toThrow(/argument 'a'/);
    expect(() => addon.transpose(f32(5), [2, 3], [1, 0], f32(6))).toThrow(/argument 'x'/);
    expect(() => addon.scatter(0, f32(2), Int32Array.from([0, 0]), f32(2), 1, 2)).toThrow(/argument 'src'/);
    expect(() => addon.copyBox(f32(3), [2, 2], [0, 0], f32(4), [2, 2], [0, 0], [1, 1])).toThrow(/argument 'src'/);
    expect(() => addon.cast(f64(3), f32(2))).toThrow(/argument 'dst'/);
  });

  it('bad shapes, permutations and op codes throw', () => {
    expect(() => addon.transpose(f32(6), [2, 3], [0, 0], f32(6))).toThrow(/not a permutation/);
    expect(() => addon.transpose(f32(6), [2, 3], [0], f32(6))).toThrow(/same length/);
    expect(() => addon.unary(99, f32(1), f32(1))).toThrow(/unknown op code 99/);
    expect(() => addon.binary(42, f32(1), [], f32(1), [], f32(1), [])).toThrow(/unknown op code 42/);
    expect(() => addon.reduce(5, f32(1), f32(1), 1, 1, 1)).toThrow(/unknown op code 5/);
    expect(() => addon.binary(0, f32(1), new Array(9).fill(0), f32(1), new Array(9).fill(0), f32(1), new Array(9).fill(1))).toThrow(/at most 8/);
    expect(() => addon.matmul(f32(4), f32(4), f32(4), 2 ** 40, 2 ** 20, 2, 2 ** 20, false, false, 0, 0)).toThrow(RangeError);
  });

  it('the addon keeps working after errors', () => {
    const out = f32(3);
    addon.unary(0, Float32Array.from([1, -2, 3]), out);
    expect(Array.from(out)).toEqual([-1, 2, -3]);
  });
});

describe('loading', () => {
  it('honours EQUIGRAPH_NATIVE_ADDON and otherwise looks in native/build', () => {
    const saved = process.env[ADDON_ENV];
    process.env[ADDON_ENV] = '/nowhere/equigraph.node';
    expect(addonCandidates()).toEqual(['/nowhere/equigraph.node']);
    delete process.env[ADDON_ENV];
    expect(addonCandidates()[0]).toMatch(/native[\\/]build[\\/]Release[\\/]equigraph\.node$/);
    if (saved !== undefined) process.env[ADDON_ENV] = saved;
  });

  it('works on subarray views (byte offsets)', () => {
    const buf = Float64Array.from([9, 1, 2, 3, 9]);
    const out = new Float64Array(5);
    addon.unary(6, buf.subarray(1, 4), out.subarray(1, 4));
    expect(Array.from(out)).toEqual([0, 1, 4, 9, 0]);
  });
});
