export * from './embedded';
export * from './postgres';
export * from './types';
