export * from './actions';
export * from './sequence';
export * from './time-gap';
