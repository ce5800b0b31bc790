/**
 * @packageDocumentation
 * VQ-Flows: normalizing flows as chart maps over a VQ autoencoder's chart centres, with exact mixture density.
 */
export {};
