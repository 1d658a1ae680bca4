// The storage layer's public surface. src/chain imports from here.
export { type ChainBatch, ChainStore, type ChainStoreOptions } from './chain-store.js';
export type { AddressTxRef, HeaderEntry, HeaderStatus, TxLocation } from './codec.js';
export { DatadirLockedError } from './datadir-lock.js';
export { isStorageError, StorageError, type StorageErrorCode } from './errors.js';
export { SCHEMA_VERSION } from './layout.js';
