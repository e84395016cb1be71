export { assertClose } from './compare.js';
export { checkGrads, type CheckGradsOptions } from './check-grads.js';
export { runKernelSuite, KERNEL_CASES, type SuiteRunner } from './kernel-suite.js';
export { randomTensor, randomUniformTensor, randomIndex } from './random-tensors.js';
export { assertEquivariant, type EquivarianceOptions } from './equivariance.js';
export { availableBackends, backendMissing } from './backends.js';
