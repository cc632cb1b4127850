export * from './data';
export * from './types';
export * from './update';
