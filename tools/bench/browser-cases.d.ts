// Types of browser-cases.js (plain JavaScript so that a page can import it as is).
import type * as Core from '@equigraph/core';
import type * as Geometry from '@equigraph/geometry';

export declare function run(core: typeof Core, geometry: typeof Geometry): Record<string, number>;
