import { registerHostBackend } from '../host-backend.js';
import { referencePrimitives } from './primitives.js';

/** The reference backend: always available, lowest priority, the specification every backend is tested against. */
registerHostBackend('reference', () => referencePrimitives, 100);
