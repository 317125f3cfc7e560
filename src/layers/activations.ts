import { ACT, type ActivationName } from '../runtime/abi.js';
import { ValueError, describe } from '../errors.js';

/** Activations a layer accepts: the elementwise kernels plus row-wise softmax. */
export type LayerActivation = ActivationName | 'softmax';

/** Every activation name a layer accepts. */
export const LAYER_ACTIVATIONS: readonly LayerActivation[] = [...(Object.keys(ACT) as ActivationName[]), 'softmax'];

/**
 * Whether an activation's derivative needs its input: layers that fuse one
 * into their output keep the pre-activation for backward when it does (the
 * others' derivatives follow from the output).
 */
export function needsPreactivation(activation: LayerActivation): boolean {
  return activation === 'gelu' || activation === 'softplus' || activation === 'swish' || activation === 'silu' || activation === 'mish';
}

/** Validates an activation name. */
export function checkActivation(op: string, value: unknown): LayerActivation {
  if (typeof value !== 'string' || !LAYER_ACTIVATIONS.includes(value as LayerActivation)) {
    throw new ValueError(`${op}: activation must be one of ${LAYER_ACTIVATIONS.join(', ')}, got ${describe(value)}`);
  }
  return value as LayerActivation;
}

/** Validates the slope of leakyRelu / scale of elu; the defaults follow TensorFlow.js (0.2 and 1). */
export function checkAlpha(op: string, activation: LayerActivation, alpha: unknown): number {
  if (alpha === undefined) return activation === 'leakyRelu' ? 0.2 : activation === 'elu' ? 1 : 0;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) {
    throw new ValueError(`${op}: alpha must be a finite number >= 0, got ${describe(alpha)}`);
  }
  return alpha;
}
