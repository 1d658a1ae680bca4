// The storage layer's public surface. src/chain imports from here.
export { type ChainBatch, ChainStore, type ChainStoreOptions, type Durability } from './chain-store.js';
export type { AddressTxRef, HeaderEntry, HeaderStatus, TxLocation } from './codec.js';
export { DatadirLockedError } from './datadir-lock.js';
export { isCorruptRecord, isStorageError, StorageError, type StorageErrorCode } from './errors.js';
export { isLevelDamage } from './integrity.js';
export { SCHEMA_VERSION } from './layout.js';
export { readTipMarker, TIP_MARKER_FILE, type TipMarker, writeTipMarker } from './tip-marker.js';
