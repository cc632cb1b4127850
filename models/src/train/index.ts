export * from './batches';
export * from './fit';
export * from './loss';
export * from './shuffle';
export * from './softmax-cross-entropy';
export * from './tensor-bundle';
export * from './trainer';
