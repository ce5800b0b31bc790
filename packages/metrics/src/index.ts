/**
 * @packageDocumentation
 * FID, Inception Score, KID and precision/recall matching the reference implementations, with feature extractors.
 */
export {};
