// Addresses. An account is named by the first 20 bytes of SHA-256 of its 33-byte compressed secp256k1
// public key (docs/PROTOCOL.md §3), and shown to people as bech32m (BIP 350) with the chain's human-readable
// prefix (params.addressPrefix), e.g. `cairn1…`.
//
// Why bech32m: its BCH checksum detects any error in up to 4 characters and makes a mistyped address fail
// instead of paying a stranger; it is case-insensitive but rejects MIXED case (so a copy is all-lower or
// all-upper), and the prefix is inside the checksum, so an address for another chain is caught too.
// Why bech32m and not BIP 173 bech32: bech32's checksum has a known weakness (inserting or deleting a `q`
// just before a final `p` keeps it valid); BIP 350 changed one constant to fix it. Bitcoin uses bech32m for
// Taproot (witness v1+) addresses.
//
// Why 20 bytes of SHA-256 (and not Bitcoin's RIPEMD-160(SHA-256), Core: Hash160): 160 bits still need
// ~2^80 work to find a collision, and one hash function keeps the lesson to one primitive.
//
// Decoding is user input (wallet, CLI, HTTP API, genesis.json), so every failure says exactly what is
// wrong: a typo, another chain's address, an old bech32 checksum, the wrong length, or mixed case.
import { bech32, bech32m } from '@scure/base';
import { RuleError } from './errors.js';
import { sha256 } from './hash.js';
import { ADDRESS_BYTES, PUBKEY_BYTES } from './types.js';

/** BIP 173: a bech32 string is at most 90 characters. */
const MAX_LENGTH = 90;
/** The 32 data characters of bech32; every other character is invalid after the separator. */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** The 20-byte address hash of a 33-byte compressed public key. */
export function addressHash(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== PUBKEY_BYTES) {
    throw new RuleError(
      'BAD_PUBKEY',
      `a public key for an address must be ${PUBKEY_BYTES} bytes (compressed), got ${publicKey.length}`,
    );
  }
  return sha256(publicKey).slice(0, ADDRESS_BYTES);
}

/** Show a 20-byte address hash as bech32m text with the chain's prefix (always lowercase). */
export function encodeAddress(hash: Uint8Array, hrp: string): string {
  if (hash.length !== ADDRESS_BYTES) {
    throw new RuleError('BAD_ADDRESS', `an address hash is ${ADDRESS_BYTES} bytes, got ${hash.length}`);
  }
  return bech32m.encode(hrp, bech32m.toWords(hash), MAX_LENGTH);
}

function bad(text: string, why: string): RuleError {
  return new RuleError('BAD_ADDRESS', `"${text}" is not a valid address: ${why}`);
}

/**
 * Parse bech32m address text for the chain whose prefix is `hrp` into its 20-byte hash.
 * Throws RuleError('BAD_ADDRESS') naming the exact problem.
 */
export function decodeAddress(text: string, hrp: string): Uint8Array {
  if (typeof text !== 'string') throw bad(String(text), 'an address must be a string');
  // Checked in this order so that each message names the first real problem (BIP 173 "Decoding").
  if (text.length > MAX_LENGTH)
    throw bad(text, `it is ${text.length} characters, the limit is ${MAX_LENGTH}`);
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
    throw bad(text, 'it mixes upper and lower case (bech32 allows all-lowercase or all-uppercase)');
  }
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1) throw bad(text, `it has no "1" separating the prefix from the data (expected "${hrp}1…")`);
  const data = lower.slice(sep + 1);
  if (data.length < 6) throw bad(text, 'it is too short to hold the 6-character checksum');
  for (let i = 0; i < data.length; i++) {
    if (!CHARSET.includes(data[i]!)) {
      throw bad(
        text,
        `character "${text[sep + 1 + i]}" at position ${sep + 1 + i} is not in the bech32 alphabet`,
      );
    }
  }
  const decoded = bech32m.decodeUnsafe(lower, MAX_LENGTH);
  if (!decoded) {
    // The checksum covers the prefix too, so a mistyped prefix lands here rather than below.
    if (bech32.decodeUnsafe(lower, MAX_LENGTH)) {
      throw bad(text, 'it has a bech32 (BIP 173) checksum; Cairn addresses use bech32m (BIP 350)');
    }
    throw bad(text, 'the checksum does not match (a typo?)');
  }
  if (decoded.prefix !== hrp) {
    throw bad(
      text,
      `this address is for another chain: prefix "${decoded.prefix}", this chain uses "${hrp}"`,
    );
  }
  // 20 bytes = 160 bits = exactly 32 five-bit words, so there are no padding bits to get wrong.
  const words = (ADDRESS_BYTES * 8) / 5;
  if (decoded.words.length !== words) {
    throw bad(
      text,
      `it carries ${decoded.words.length} data characters; an address has ${words} (${ADDRESS_BYTES} bytes)`,
    );
  }
  const hash = bech32m.fromWords(decoded.words);
  return hash;
}
