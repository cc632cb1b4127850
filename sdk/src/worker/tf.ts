// The worker's TensorFlow.js: the core plus only the backends the SDK uses. The build aliases
// '@tensorflow/tfjs' to this file, so the model core's `import * as tf from '@tensorflow/tfjs'` lands on
// the same instance without WebGL, layers, the converter or tf.data (hundreds of KB the SDK never runs).
// The wasm and webgpu backends are imported where they are chosen (backend.ts).
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
