export * from './decode';
export * from './encode';
export * from './format';
export * from './layout';
