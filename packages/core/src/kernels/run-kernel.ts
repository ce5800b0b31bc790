import * as tf from "@tensorflow/tfjs";

type KernelBackend = tf.KernelBackend;
type TensorInfo = tf.TensorInfo;

/**
 * Run another kernel of the same backend directly (no engine bookkeeping, no tape): how the
 * Atlas kernels build themselves from a backend's own Conv2D/Transpose/Slice/Concat kernels.
 * `caller` names the kernel being built, for the error when the backend lacks `name`.
 */
export function runBackendKernel(
  caller: string,
  name: string,
  backendName: string,
  backend: KernelBackend,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  const config = tf.getKernel(name, backendName);
  if (config === undefined) {
    throw new Error(`${caller} on '${backendName}' needs the '${name}' kernel, which that backend lacks`);
  }
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`kernel '${name}' returned several outputs`);
  return out as TensorInfo;
}
