import * as tf from '@tensorflow/tfjs';

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/**
 * tf.customGrad with plain types: `f` receives its tensor inputs as an array plus the save function
 * (tfjs types them as one mixed rest parameter, which strict TypeScript cannot narrow).
 */
export function customOp(
  f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFunc },
): (...inputs: tf.Tensor[]) => tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return f(args.slice(0, -1) as tf.Tensor[], save);
  });
  return (...inputs: tf.Tensor[]) => op(...inputs);
}
