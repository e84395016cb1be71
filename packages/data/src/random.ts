/** The seeded generator lives in core (layers and tests need it too); re-exported here for data users. */
export { Rng, deriveSeed, type RngAlgorithm, type RngState } from '@equigraph/core';
