/**
 * 3×3 rotation matrices (Float64Array(9), row-major, acting on column vectors `x' = R x`),
 * quaternions `(w, x, y, z)`, axis-angle, and e3nn's Euler angles
 * `R(α, β, γ) = Ry(α) Rx(β) Ry(γ)` (`e3nn/o3/_rotation.py`: `angles_to_matrix`).
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** Row-major 3×3 matrix. */
export type Mat3 = Float64Array;

/** Unit quaternion `(w, x, y, z)`, `w = cos(θ/2)`, `(x, y, z) = sin(θ/2) n`. */
export type Quaternion = Float64Array;

/**
 * Small seeded PRNG (SplitMix32) for tests and examples: `makeRng(seed)()` is uniform in [0, 1).
 * Not cryptographic.
 */
export function makeRng(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}

/** Standard normal sample (Box–Muller). */
export function randomNormal(rng: Rng): number {
  let u = rng();
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export function identity3(): Mat3 {
  return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
}

/** `a @ b`. */
export function matmul3(a: Mat3, b: Mat3): Mat3 {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
    }
  }
  return out;
}

export function transpose3(a: Mat3): Mat3 {
  return Float64Array.of(a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!);
}

export function det3(a: Mat3): number {
  return (
    a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) - a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) + a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!)
  );
}

/** `R v` for a 3-vector. */
export function applyRotation(R: Mat3, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(3);
  for (let i = 0; i < 3; i++) out[i] = R[i * 3]! * v[0]! + R[i * 3 + 1]! * v[1]! + R[i * 3 + 2]! * v[2]!;
  return out;
}

/** Rotation by `angle` around the x axis: `[[1,0,0],[0,c,-s],[0,s,c]]` (e3nn's `matrix_x`). */
export function matrixX(angle: number): Mat3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return Float64Array.of(1, 0, 0, 0, c, -s, 0, s, c);
}

/** Rotation by `angle` around the y axis: `[[c,0,s],[0,1,0],[-s,0,c]]` (e3nn's `matrix_y`). */
export function matrixY(angle: number): Mat3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return Float64Array.of(c, 0, s, 0, 1, 0, -s, 0, c);
}

/** Rotation by `angle` around the z axis: `[[c,-s,0],[s,c,0],[0,0,1]]` (e3nn's `matrix_z`). */
export function matrixZ(angle: number): Mat3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return Float64Array.of(c, -s, 0, s, c, 0, 0, 0, 1);
}

/** e3nn's Euler angles: `R = Ry(alpha) Rx(beta) Ry(gamma)` (gamma applied first). */
export function anglesToMatrix(alpha: number, beta: number, gamma: number): Mat3 {
  return matmul3(matmul3(matrixY(alpha), matrixX(beta)), matrixY(gamma));
}

/** Point on the unit sphere `R(α, β, 0) ŷ = (sin β sin α, cos β, sin β cos α)` (e3nn's `angles_to_xyz`). */
export function anglesToXyz(alpha: number, beta: number): Float64Array {
  return Float64Array.of(Math.sin(beta) * Math.sin(alpha), Math.cos(beta), Math.sin(beta) * Math.cos(alpha));
}

/**
 * Inverse of `anglesToXyz` for any non-zero vector (e3nn's `xyz_to_angles`):
 * `alpha = atan2(x, z)`, `beta = acos(y / |v|)`. `beta` is computed as `atan2(hypot(x, z), y)`,
 * which is the same angle without acos's loss of precision near the poles. Zero vector → (0, π/2).
 */
export function xyzToAngles(v: ArrayLike<number>): { alpha: number; beta: number } {
  const x = v[0]!;
  const y = v[1]!;
  const z = v[2]!;
  return { alpha: Math.atan2(x, z), beta: Math.atan2(Math.hypot(x, z), y) };
}

/**
 * e3nn's `matrix_to_angles` for a proper rotation (det +1): `(α, β)` from `R ŷ`, then
 * `γ` from `R(α, β, 0)^T R = Ry(γ)`. Angles in (-π, π], β in [0, π].
 */
export function matrixToAngles(R: Mat3): { alpha: number; beta: number; gamma: number } {
  const d = det3(R);
  if (!(Math.abs(d - 1) < 1e-6)) throw new RangeError(`matrixToAngles: expected a proper rotation (det = +1), got det = ${d}`);
  const { alpha, beta } = xyzToAngles([R[1]!, R[4]!, R[7]!]);
  const rest = matmul3(transpose3(anglesToMatrix(alpha, beta, 0)), R);
  const gamma = Math.atan2(rest[2]!, rest[0]!);
  return { alpha, beta, gamma };
}

/** Hamilton product `q1 ∘ q2` (q2 applied first), as e3nn's `compose_quaternion`. */
export function composeQuaternion(q1: Quaternion, q2: Quaternion): Quaternion {
  const [a1, b1, c1, d1] = [q1[0]!, q1[1]!, q1[2]!, q1[3]!];
  const [a2, b2, c2, d2] = [q2[0]!, q2[1]!, q2[2]!, q2[3]!];
  return Float64Array.of(
    a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2,
    a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2,
    a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2,
    a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2,
  );
}

/** Rotation matrix of a quaternion `(w, x, y, z)` (normalised first; must be non-zero). */
export function quaternionToMatrix(q: Quaternion | ArrayLike<number>): Mat3 {
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  if (!(n > 0)) throw new RangeError('quaternionToMatrix: zero quaternion');
  const w = q[0]! / n;
  const x = q[1]! / n;
  const y = q[2]! / n;
  const z = q[3]! / n;
  return Float64Array.of(
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  );
}

/** Unit quaternion of a proper rotation (Shepperd's method), canonicalised to `w >= 0`. */
export function matrixToQuaternion(R: Mat3): Quaternion {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = Array.from(R) as [number, number, number, number, number, number, number, number, number];
  const tr = m00 + m11 + m22;
  let q: Float64Array;
  if (tr > 0) {
    const s = 2 * Math.sqrt(tr + 1);
    q = Float64Array.of(s / 4, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s);
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    q = Float64Array.of((m21 - m12) / s, s / 4, (m01 + m10) / s, (m02 + m20) / s);
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    q = Float64Array.of((m02 - m20) / s, (m01 + m10) / s, s / 4, (m12 + m21) / s);
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    q = Float64Array.of((m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, s / 4);
  }
  if (q[0]! < 0) for (let i = 0; i < 4; i++) q[i] = -q[i]!;
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  for (let i = 0; i < 4; i++) q[i] = q[i]! / n;
  return q;
}

/** Quaternion of a rotation by `angle` around `axis` (normalised; must be non-zero). */
export function axisAngleToQuaternion(axis: ArrayLike<number>, angle: number): Quaternion {
  const n = Math.hypot(axis[0]!, axis[1]!, axis[2]!);
  if (!(n > 0)) throw new RangeError('axisAngleToQuaternion: zero axis');
  const s = Math.sin(angle / 2) / n;
  return Float64Array.of(Math.cos(angle / 2), axis[0]! * s, axis[1]! * s, axis[2]! * s);
}

/** Rotation by `angle` (right-hand rule) around `axis` (Rodrigues' formula). */
export function axisAngleToMatrix(axis: ArrayLike<number>, angle: number): Mat3 {
  return quaternionToMatrix(axisAngleToQuaternion(axis, angle));
}

/**
 * Axis (unit) and angle in [0, π] of a proper rotation. For the identity the axis is `(0, 1, 0)`
 * (any axis is valid). Computed through the quaternion, so it is accurate near angle π.
 */
export function matrixToAxisAngle(R: Mat3): { axis: Float64Array; angle: number } {
  const q = matrixToQuaternion(R);
  const s = Math.hypot(q[1]!, q[2]!, q[3]!);
  const angle = 2 * Math.atan2(s, q[0]!);
  const axis = s > 0 ? Float64Array.of(q[1]! / s, q[2]! / s, q[3]! / s) : Float64Array.of(0, 1, 0);
  return { axis, angle };
}

/** Uniform random unit quaternion (Shoemake's method), `w >= 0`. */
export function randomQuaternion(rng: Rng): Quaternion {
  const u1 = rng();
  const u2 = 2 * Math.PI * rng();
  const u3 = 2 * Math.PI * rng();
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const q = Float64Array.of(a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3), b * Math.cos(u3));
  if (q[0]! < 0) for (let i = 0; i < 4; i++) q[i] = -q[i]!;
  return q;
}

/** Rotation matrix uniformly distributed on SO(3) (Haar measure), via a random unit quaternion. */
export function randomRotation(rng: Rng): Mat3 {
  return quaternionToMatrix(randomQuaternion(rng));
}

/** A uniformly random element of O(3): a random rotation, negated with probability 1/2. */
export function randomOrthogonal(rng: Rng): Mat3 {
  const R = randomRotation(rng);
  if (rng() < 0.5) for (let i = 0; i < 9; i++) R[i] = -R[i]!;
  return R;
}
