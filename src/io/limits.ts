// Bounds on what a loaded model may make us allocate. Wasm32 memory is at
// most 4 GiB, and parameters, gradients and Adam's two moments take 16 bytes
// per parameter, so 2^28 parameters is already beyond what can load; the
// bound exists so a forged header fails fast instead of trying.
/** Most parameters a loaded model may have (all weights together). */
export const MAX_PARAMS = 2 ** 28;
/** Largest single dimension of an input, output or weight shape. */
export const MAX_DIM = 2 ** 24;
/** Most values in one sample: the input shape's product, and all layers' outputs together (each is kept for backward). */
export const MAX_SAMPLE_SIZE = 2 ** 26;
/** Most axes of a per-sample shape. */
export const MAX_RANK = 8;
/** Most layers in a loaded model (adding a layer checks its name against all others). */
export const MAX_LAYERS = 4096;
