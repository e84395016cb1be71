export { Optimizer, type OptimizerState } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { clipGradNorm, gradNorm, type ClipGradNormOptions } from './clip.js';
export { EMA, type EMAOptions, type EMAState } from './ema.js';
export {
  LRSchedule,
  LinearWarmup,
  CosineSchedule,
  ReduceLROnPlateau,
  type HasLearningRate,
  type ScheduleInterval,
  type ScheduleState,
  type LinearWarmupOptions,
  type CosineScheduleOptions,
  type ReduceLROnPlateauOptions,
} from './schedules.js';
export {
  mseLoss,
  maeLoss,
  huberLoss,
  energyForceLoss,
  energyForceLossTerms,
  RegressionMetrics,
  regressionMetrics,
  type PointwiseLoss,
  type EnergyForces,
  type EnergyForceLossOptions,
  type EnergyForceLossTerms,
  type TargetUnit,
} from './losses.js';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  readCheckpoint,
  writeCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  type CheckpointContents,
  type EpochRecord,
  type TrainerStateJSON,
} from './checkpoint.js';
export { learningCurveSvg, type CurveSeries, type LearningCurveOptions } from './learning-curve.js';
export { BarProgress, LogProgress, NoProgress, type ProgressReporter } from './progress.js';
export {
  Trainer,
  CHECKPOINT_FILE,
  BEST_FILE,
  METRICS_FILE,
  CURVE_FILE,
  type TrainerOptions,
  type TrainContext,
  type BatchSource,
  type TrainerCallbacks,
  type BatchEndInfo,
  type EvaluateInfo,
  type EpochEndInfo,
  type EarlyStoppingOptions,
  type FitResult,
} from './trainer.js';
