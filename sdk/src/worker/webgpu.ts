// Entry of hearth-webgpu.js: the WebGPU backend on its own (280 KB raw), loaded by the worker with
// importScripts() only when an adapter worth using exists, so browsers without WebGPU (most mobile web
// views) never download or parse it. The build points its '@tensorflow/tfjs-core' imports at
// tf-core-global.cjs: the core instance the worker bundle already runs, not a second copy.
import '@tensorflow/tfjs-backend-webgpu';
