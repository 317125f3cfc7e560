/** Geometry of an NHWC window op: input h, w, c, output oh, ow, and the leading padding. */
export interface WindowGeometry {
  h: number; w: number; c: number; oh: number; ow: number; ph: number; pw: number;
}

/** A convolution's window geometry on NHWC input (WindowGeometry plus the window itself). */
export interface ConvWindow extends WindowGeometry {
  kernel: [number, number];
  strides: [number, number];
  dilation: [number, number];
}
