// class-transformer 0.5 ships this module's types under `types/`, which its package does not map.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
