// The well-known development keys live beside the shared client (src/client/dev-keys.ts), so the node's
// CLI and the wallet use one definition.
export * from '../src/client/dev-keys.js';
