import { ValueError, checkFinite, checkInt, describe } from '../errors.js';
import { checkBool, checkOptions } from '../util/options.js';

/** A learning-rate schedule: the rate for optimizer step `step` (0-based). */
export interface Schedule {
  (step: number): number;
  /** Serialisable description (absent for a user function). */
  config?: Record<string, unknown>;
}

function tag(fn: (step: number) => number, config: Record<string, unknown>): Schedule {
  const s = fn as Schedule;
  s.config = config;
  return s;
}

/** lr * factor^floor(step / dropEvery): drops by `factor` every `dropEvery` steps. */
export function stepDecay(opts: { initialLearningRate: number; dropEvery: number; factor?: number }): Schedule {
  checkOptions('stepDecay', opts, ['initialLearningRate', 'dropEvery', 'factor'], 'options');
  const lr = checkFinite('stepDecay', 'initialLearningRate', opts.initialLearningRate, 0);
  const every = checkInt('stepDecay', 'dropEvery', opts.dropEvery, 1);
  const factor = checkFinite('stepDecay', 'factor', opts.factor ?? 0.5, 0, 1);
  return tag((s) => lr * factor ** Math.floor(s / every), { type: 'stepDecay', initialLearningRate: lr, dropEvery: every, factor });
}

/** lr * decayRate^(step / decaySteps) (Keras ExponentialDecay; staircase floors the exponent). */
export function exponentialDecay(opts: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): Schedule {
  checkOptions('exponentialDecay', opts, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'], 'options');
  const lr = checkFinite('exponentialDecay', 'initialLearningRate', opts.initialLearningRate, 0);
  const steps = checkInt('exponentialDecay', 'decaySteps', opts.decaySteps, 1);
  const rate = checkFinite('exponentialDecay', 'decayRate', opts.decayRate, 0);
  const stair = checkBool('exponentialDecay', 'staircase', opts.staircase, false);
  return tag((s) => lr * rate ** (stair ? Math.floor(s / steps) : s / steps), { type: 'exponentialDecay', initialLearningRate: lr, decaySteps: steps, decayRate: rate, staircase: stair });
}

/** Cosine decay from lr to lr * alpha over decaySteps, then constant (Keras CosineDecay). */
export function cosineDecay(opts: { initialLearningRate: number; decaySteps: number; alpha?: number }): Schedule {
  checkOptions('cosineDecay', opts, ['initialLearningRate', 'decaySteps', 'alpha'], 'options');
  const lr = checkFinite('cosineDecay', 'initialLearningRate', opts.initialLearningRate, 0);
  const steps = checkInt('cosineDecay', 'decaySteps', opts.decaySteps, 1);
  const alpha = checkFinite('cosineDecay', 'alpha', opts.alpha ?? 0, 0, 1);
  return tag((s) => {
    const t = Math.min(s, steps) / steps;
    return lr * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
  }, { type: 'cosineDecay', initialLearningRate: lr, decaySteps: steps, alpha });
}

/** Recreates a schedule from its config. */
export function scheduleFromConfig(c: Record<string, unknown>): Schedule {
  switch (c?.type) {
    case 'stepDecay': return stepDecay(withoutType(c) as never);
    case 'exponentialDecay': return exponentialDecay(withoutType(c) as never);
    case 'cosineDecay': return cosineDecay(withoutType(c) as never);
    default: throw new ValueError(`schedule: unknown type ${describe(c?.type)}`);
  }
}

/** Evaluates a learning rate (number or schedule) at a step and checks the result. */
export function rateAt(op: string, lr: number | Schedule, step: number): number {
  const v = typeof lr === 'function' ? lr(step) : lr;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValueError(`${op}: learning rate at step ${step} must be a finite number >= 0, got ${describe(v)}`);
  }
  return v;
}

/** A schedule's config without its `type` tag: the options of its factory. */
function withoutType(c: Record<string, unknown>): Record<string, unknown> {
  const { type: _, ...rest } = c;
  return rest;
}
