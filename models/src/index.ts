export * from './artifact';
export * from './data';
export * from './eval';
export * from './types';
export * from './update';
