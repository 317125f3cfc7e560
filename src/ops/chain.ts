// The ops behind Tensor's chainable methods, gathered in one module.
export {
  addB, subB, mulB, div, pow, maximum, minimum, squaredDifference, sqrt, square, abs, neg, reciprocal, round, floor, ceil,
  expT, logT, sumT, mean, max, min, prod, argMaxT, argMin, transposeT, expandDims, squeeze, slice, gather, concat, formatTensor,
} from './tfjs.js';
export { relu, sigmoid, tanh, softmax, clipByValue } from './elementwise.js';
export { matmul } from './matmul.js';
