// The wallet's only way to a node is its HTTP API, through the client shared with `cairn`
// (src/client/api-client.ts). Its failures are ClientErrors, which the wallet treats as WalletErrors of
// the same kind (wallet/errors.ts: isWalletError).
export {
  type AccountInfo,
  type AccountTx,
  type AccountTxPage,
  ApiClient,
  type ApiClientOptions,
  MEMPOOL_LIMIT,
  type MempoolEntry,
  type NodeStatus,
  type TxInfo,
} from '../src/client/api-client.js';
