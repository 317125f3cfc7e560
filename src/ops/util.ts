import { Tensor, tensor, fmt, type TensorLike } from '../tensor.js';
import type { Backend } from '../runtime/backend.js';
import { DisposedError, ShapeError, ValueError, describe } from '../errors.js';
import { getBackend } from '../runtime/init.js';

/** An op's view of one argument: the tensor and whether the op created it (and must dispose it). */
export interface Arg {
  t: Tensor;
  owned: boolean;
}

/** Accepts a Tensor (used as is) or anything tensor() takes (copied in, owned by the op). */
export function arg(op: string, name: string, x: Tensor | TensorLike, backend?: Backend): Arg {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new DisposedError(`${op}: ${name} is a disposed tensor of shape ${fmt(x.shape)}`);
    if (backend && x.backend !== backend) throw new ValueError(`${op}: ${name} belongs to another backend`);
    if (x.dtype !== 'float32') throw new ValueError(`${op}: ${name} must be float32, got ${x.dtype}`);
    return { t: x, owned: false };
  }
  if (x === null || x === undefined) throw new ValueError(`${op}: ${name} is required, got ${describe(x)}`);
  try {
    return { t: tensor(x, undefined, 'float32', backend ?? getBackend()), owned: true };
  } catch (err) {
    // The conversion's message names tensor()'s argument; the caller knows this one as `name`.
    if (err instanceof ValueError) throw new ValueError(err.message.replace(/^tensor: values/, `${op}: ${name}`));
    if (err instanceof ShapeError) throw new ShapeError(err.message.replace(/^tensor: values/, `${op}: ${name}`));
    throw err;
  }
}

/** Disposes the arguments an op created. */
export function release(...args: (Arg | undefined)[]): void {
  for (const a of args) if (a?.owned) a.t.dispose();
}

/** Throws a ShapeError unless `t` has rank `rank`. */
export function requireRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.rank !== rank) {
    throw new ShapeError(`${op}: ${name} must have rank ${rank}, got shape ${fmt(t.shape)}`);
  }
}

/** Throws a ShapeError unless a and b have the same shape. */
export function requireSameShape(op: string, a: Tensor, an: string, b: Tensor, bn: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: ${an} and ${bn} must have the same shape, got ${an} ${fmt(a.shape)} and ${bn} ${fmt(b.shape)}`);
  }
}
