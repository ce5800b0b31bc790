/**
 * Activations whose backward pass is one Atlas kernel where a backend has it
 * (`AtlasActivationGrad`, on webgpu: kernels/webgpu/activation-grad.ts), and the activation layers
 * of core's network blocks that use it.
 *
 * tfjs differentiates an activation through its composing ops: ReLU's gradient runs Step, Cast and
 * Multiply (dy·step(x)); LeakyReLU's Greater, Multiply and Select (where(x > 0, dy, dy·α)); Swish,
 * tfjs-layers' x·σ(1·x), differentiates three ops (Multiply, Sigmoid, Multiply: 7 kernels over the
 * whole activation, plus the Add that accumulates the two paths into x). Here the forward is the
 * same ops as tfjs(-layers) (Swish's as one kernel, `AtlasSwish`, where registered), wrapped in one
 * `tf.customGrad` node whose gradient, dx = dy·f′(x), is one kernel. Where the kernel is not registered for the active backend (wasm, cpu, or webgpu after
 * `restoreStockKernels('webgpu')`), everything is tfjs's own path, unchanged.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "./errors.js";
import { checkNumber, checkOneOf, checkOptions, checkString, checkTensor } from "./validate.js";

/** The kernel name of the fused activation gradient (inputs x, dy; attributes activation, alpha). */
export const ACTIVATION_GRAD_KERNEL = "AtlasActivationGrad";

/** The kernel name of the one-dispatch Swish forward, x·σ(x) (input x). */
export const SWISH_KERNEL = "AtlasSwish";

/** The activations whose gradient {@link activate} fuses: ReLU, LeakyReLU(α) and Swish x·σ(x). */
export type FusedActivation = "relu" | "leakyRelu" | "swish";

const FUSED: readonly FusedActivation[] = ["relu", "leakyRelu", "swish"];

/** Whether {@link activate} (and core's activation layers) differentiate through Atlas's kernel on the active backend. */
export function fusedActivationGradActive(): boolean {
  return tf.getKernel(ACTIVATION_GRAD_KERNEL, tf.getBackend()) !== undefined;
}

/** tfjs's own forward, exactly as tf.relu / tf.leakyRelu / tfjs-layers' swish compute it. */
function stockActivation(x: tf.Tensor, activation: FusedActivation, alpha: number): tf.Tensor {
  if (activation === "relu") return tf.relu(x);
  if (activation === "leakyRelu") return tf.leakyRelu(x, alpha);
  // tfjs-layers' Swish.apply(x, alpha = 1): mul(sigmoid(mul(x, 1)), x)
  return tf.tidy(() => tf.mul(tf.sigmoid(tf.mul(x, 1)), x));
}

/**
 * ReLU, LeakyReLU(α) or Swish (x·σ(x)) of `x`, with tfjs's forward kernels; on a backend with
 * Atlas's `AtlasActivationGrad` (webgpu with Atlas's kernels registered) its gradient is that one
 * kernel, dx = dy·f′(x); elsewhere, and for non-float32 `x`, exactly tfjs's ops and gradients.
 *
 * @param alpha LeakyReLU's slope for x ≤ 0 (ignored by the others)
 * @example
 * const y = activate(x, "swish");
 */
export function activate(x: tf.Tensor, activation: FusedActivation, alpha = 0.2): tf.Tensor {
  checkTensor("x", x);
  checkOneOf("activation", activation, FUSED);
  checkNumber("alpha", alpha);
  if (!fusedActivationGradActive() || x.dtype !== "float32") return stockActivation(x, activation, alpha);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    // Swish's forward is one kernel too where registered (the same float32 operations as tfjs's
    // Multiply, Sigmoid, Multiply): 1 dispatch instead of 3
    const fusedSwish = activation === "swish" && tf.getKernel(SWISH_KERNEL, tf.getBackend()) !== undefined;
    return {
      value: fusedSwish ? (tf.engine().runKernel(SWISH_KERNEL, { x: input }, {}) as tf.Tensor) : stockActivation(input, activation, alpha),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(ACTIVATION_GRAD_KERNEL, { x: saved[0]!, dy }, { activation, alpha }) as tf.Tensor,
    };
  });
  return op(x);
}

type LayerKwargs = Parameters<tf.layers.Layer["call"]>[1];
type ActivationArgs = Parameters<typeof tf.layers.activation>[0];
type LeakyReluArgs = NonNullable<Parameters<typeof tf.layers.leakyReLU>[0]>;
type LayerClass<A> = new (args: A) => tf.layers.Layer;

/** A tfjs-layers class registered for deserialisation (the classes are not exported by name). */
function registeredClass<A>(name: string): LayerClass<A> {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
  if (entry === undefined) throw new Error(`tfjs-layers' ${name} class is not registered (is @tensorflow/tfjs-layers loaded?)`);
  return entry[0] as unknown as LayerClass<A>;
}

let activationClass: LayerClass<ActivationArgs> | undefined;
let leakyReluClass: LayerClass<LeakyReluArgs> | undefined;

function oneTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | undefined {
  return Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
}

/**
 * tfjs-layers' Activation and LeakyReLU, whose call goes through {@link activate} when the fused
 * gradient applies (relu, swish or LeakyReLU on float32 input, the kernel registered for the active
 * backend); otherwise exactly the stock layer. They keep the class names `Activation` and
 * `LeakyReLU`, so saved models are unchanged and load as the stock layers.
 */
function atlasActivationClass(): LayerClass<ActivationArgs> {
  if (activationClass !== undefined) return activationClass;
  const Base = registeredClass<ActivationArgs>("Activation");
  class AtlasActivation extends Base {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: LayerKwargs): tf.Tensor | tf.Tensor[] {
      const input = oneTensor(inputs);
      const name = (this as unknown as { activation: { getClassName(): string } }).activation.getClassName();
      if (input === undefined || input.dtype !== "float32" || (name !== "relu" && name !== "swish") || !fusedActivationGradActive()) return super.call(inputs, kwargs);
      this.invokeCallHook(inputs, kwargs);
      return activate(input, name);
    }
  }
  activationClass = AtlasActivation;
  return activationClass;
}

function atlasLeakyReluClass(): LayerClass<LeakyReluArgs> {
  if (leakyReluClass !== undefined) return leakyReluClass;
  const Base = registeredClass<LeakyReluArgs>("LeakyReLU");
  class AtlasLeakyReLU extends Base {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: LayerKwargs): tf.Tensor | tf.Tensor[] {
      const input = oneTensor(inputs);
      if (input === undefined || input.dtype !== "float32" || !fusedActivationGradActive()) return super.call(inputs, kwargs);
      return activate(input, "leakyRelu", (this as unknown as { alpha: number }).alpha);
    }
  }
  leakyReluClass = AtlasLeakyReLU;
  return leakyReluClass;
}

/** tfjs-layers' activation names (its `ActivationIdentifier`). */
const ACTIVATION_NAMES = ["elu", "hard_sigmoid", "linear", "relu", "relu6", "selu", "sigmoid", "softmax", "softplus", "softsign", "tanh", "swish", "mish", "gelu", "gelu_new"] as const;

const LAYER_ARGS = ["inputShape", "batchInputShape", "batchSize", "dtype", "name", "trainable", "weights", "inputDType"] as const;

/**
 * An activation layer: `tf.layers.activation(args)` whose gradient, for `'relu'` and `'swish'` on
 * a backend with Atlas's fused activation gradient (webgpu), is one kernel instead of 3 to 8. Same
 * config, serialisation and numbers as the stock layer (the forward is the same kernels; the
 * gradient to float32 rounding); other activations are the stock layer's.
 *
 * @example
 * model.add(activation({ activation: "swish" }));
 */
export function activation(args: ActivationArgs): tf.layers.Layer {
  if (args === null || typeof args !== "object") throw new InvalidArgumentError("args", `expected an options object, got ${describeValue(args)}`);
  checkOptions("args", args, ["activation", ...LAYER_ARGS]);
  checkOneOf("args.activation", args.activation, ACTIVATION_NAMES);
  if (args.name !== undefined) checkString("args.name", args.name);
  return new (atlasActivationClass())(args);
}

/**
 * A LeakyReLU layer: `tf.layers.leakyReLU(args)` whose gradient, on a backend with Atlas's fused
 * activation gradient (webgpu), is one kernel instead of 3. Same config, serialisation and numbers.
 *
 * @example
 * model.add(leakyReLU({ alpha: 0.5 }));
 */
export function leakyReLU(args: LeakyReluArgs = {}): tf.layers.Layer {
  checkOptions("args", args, ["alpha", ...LAYER_ARGS]);
  if (args.alpha !== undefined) checkNumber("args.alpha", args.alpha);
  if (args.name !== undefined) checkString("args.name", args.name);
  return new (atlasLeakyReluClass())(args);
}
