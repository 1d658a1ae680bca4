import { isWalletError } from '../../wallet/errors.js';

/** 'ok' if `p` resolves, else the wallet error code it rejects with; any other error is rethrown. */
export async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isWalletError(e)) return e.code;
    throw e;
  }
}
