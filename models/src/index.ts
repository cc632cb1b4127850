export * from './data';
export * from './types';
