// The worker's TensorFlow.js: the core plus only the backends the SDK uses. The build aliases
// '@tensorflow/tfjs' to this file, so the model core's `import * as tf from '@tensorflow/tfjs'` lands on
// the same instance without WebGL, layers, the converter or tf.data (hundreds of KB the SDK never runs).
// The wasm backend is imported where backends are chosen (backend.ts); the webgpu backend is a separate
// file loaded only when a usable GPU adapter exists, and it finds this core through the global below.
import '@tensorflow/tfjs-backend-cpu';
// On-device training (federated rounds) needs the gradients, which tfjs-core alone does not register.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as core from '@tensorflow/tfjs-core';

(globalThis as { __hearthTfCore?: unknown }).__hearthTfCore = core;

export * from '@tensorflow/tfjs-core';
