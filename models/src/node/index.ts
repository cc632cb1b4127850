// Node-only parts of the model core (file system): import them as '@hearth/models/node', never from
// code that a browser loads.
export * from './artifact-files';
export * from './backends';
export * from './checkpoint-files';
export * from './load-dataset';
export * from './shared-data';
