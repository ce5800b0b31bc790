/** Shared by the page and the Node side: how outputs are named. */

/**
 * Key prefix of an output whose exact value is 0 (the gradient of a bias feeding a batch norm):
 * both backends give rounding noise there, so it is checked for being ≈ 0, not against wasm.
 */
export const ZERO_PREFIX = "(≈ 0) ";
