export * from './evaluate';
export * from './metrics';
export * from './popularity';
export * from './rank';
export * from './sample-negatives';
export * from './split';
