export * from './evaluate';
export * from './metrics';
export * from './popularity';
export * from './rank';
export { mulberry32, userSeed } from './rng';
export * from './sample-negatives';
export * from './split';
