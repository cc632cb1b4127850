export * from './decode';
export * from './encode';
export * from './float16';
export * from './int8';
export * from './manifest';
export * from './sha256';
