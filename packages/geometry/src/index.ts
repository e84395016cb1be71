export * from './irreps.js';
export * from './rotations.js';
export * from './clebsch-gordan.js';
export * from './wigner.js';
export * from './spherical-harmonics.js';
export * from './quadrature.js';
