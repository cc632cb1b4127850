export * from './local-update';
