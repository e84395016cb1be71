import { abs, formatShape, mean, shapesEqual, square, sub, type Tensor } from '@equigraph/core';

function checkPair(op: string, prediction: Tensor, target: Tensor): void {
  if (!shapesEqual(prediction.shape, target.shape)) {
    throw new RangeError(`${op}: 'prediction' has shape ${formatShape(prediction.shape)} but 'target' has ${formatShape(target.shape)}`);
  }
}

/** Mean squared error over all elements. */
export function mseLoss(prediction: Tensor, target: Tensor): Tensor {
  checkPair('mseLoss', prediction, target);
  return mean(square(sub(prediction, target)));
}

/** Mean absolute error over all elements. */
export function maeLoss(prediction: Tensor, target: Tensor): Tensor {
  checkPair('maeLoss', prediction, target);
  return mean(abs(sub(prediction, target)));
}
