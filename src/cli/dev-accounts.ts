// What `cairn start --regtest` prints first, as anvil does: the development accounts genesis funds, with
// their private keys and the mnemonic they come from (wallet/dev-keys.ts, the devnet's own definition),
// so a newcomer can send a transfer in their first minute. They are PUBLIC keys: regtest only.
import { groupedCoins } from '../client/coins.js';
import { encodeAddress } from '../consensus/address.js';
import { bytesEqual, toHex } from '../consensus/bytes.js';
import type { ChainParams } from '../consensus/types.js';

/** The banner: the funded dev keys of `params` (address, balance, private key) and their mnemonic. */
export async function devAccountsBanner(params: ChainParams): Promise<string> {
  const { DEV_MNEMONIC, DEV_PATH, devKeys } = await import('../client/dev-keys.js');
  const rows: string[] = [];
  for (const key of devKeys()) {
    const funded = params.allocations.find((a) => bytesEqual(a.address, key.addressHash));
    if (!funded) continue;
    rows.push(
      `  (${key.index}) ${key.name}  ${encodeAddress(key.addressHash, params.addressPrefix)}  ${groupedCoins(funded.amount)} coins`,
      `      private key 0x${toHex(key.privateKey)}`,
    );
  }
  if (rows.length === 0) return '';
  return [
    'Funded development accounts (PUBLIC, INSECURE keys from a well-known mnemonic: never use them for value)',
    ...rows,
    `  mnemonic: "${DEV_MNEMONIC}"  (path ${DEV_PATH}/INDEX)`,
    '  import them with: cairn-wallet import-dev',
    '',
  ].join('\n');
}
