// The worker bundle's TensorFlow.js core (set by tf.ts), for hearth-webgpu.js: one engine, one registry.
module.exports = globalThis.__hearthTfCore;
