export * from '../../packages/stack/src/random';
