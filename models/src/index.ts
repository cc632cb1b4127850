export * from './artifact';
export * from './data';
export * from './eval';
export * from './features';
export * from './model';
export * from './train';
export * from './types';
export * from './update';
