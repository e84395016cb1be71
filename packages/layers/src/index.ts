export { Module, Parameter } from './module.js';
export { Linear, uniformInit, type LinearOptions } from './linear.js';
export { MLP, type MLPOptions } from './mlp.js';
export { encodeSafetensors, decodeSafetensors, type NamedArray, type DecodedSafetensors } from './safetensors.js';
export { stateDict, loadStateDict, saveWeights, loadWeights } from './state-dict.js';
export { cosineCutoff, ExpNormalBasis, GaussianBasis, BesselBasis, type RadialBasisOptions } from './radial.js';
export { LayerNorm, type LayerNormOptions } from './layer-norm.js';
