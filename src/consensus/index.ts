// Cairn's consensus core as a library (`import … from 'cairn/consensus'`): pure functions and plain
// data, no I/O. Read the modules in this order to follow the rules like a book:
//   types → bytes → errors → binary → encoding → hash → merkle → address → signature → pow → time
//   → subsidy → params (→ params-json, the genesis.json checks) → validation → state
export * from './address.js';
export * from './bytes.js';
export * from './encoding.js';
export * from './errors.js';
export * from './hash.js';
export * from './merkle.js';
export * from './params.js';
export * from './pow.js';
export * from './signature.js';
export * from './state.js';
export * from './subsidy.js';
export * from './time.js';
export * from './types.js';
export * from './validation.js';
