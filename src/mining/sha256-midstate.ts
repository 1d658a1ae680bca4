// SHA-256 with a midstate: the inner loop of Cairn's proof-of-work search.
//
// SHA-256 (FIPS 180-4) eats a message in 64-byte chunks. Each chunk is mixed into a 256-bit state (eight
// 32-bit words) by the compression function, and the digest is the state after the last chunk. A Cairn
// header is 112 bytes (docs/PROTOCOL.md), so with SHA-256's padding it is exactly two chunks:
//
//   chunk 1 = header bytes 0..63:   version | height | prevHash | txRoot[0..24]    fixed for a template
//   chunk 2 = header bytes 64..111: txRoot[24..32] | miner | time | bits | nonce   + padding (16 bytes)
//
// The state after chunk 1, the *midstate*, is the same for every nonce, so a miner computes it once per
// template and then pays two compressions per nonce: chunk 2 from the midstate, and the second SHA-256 of
// the 32-byte digest (one chunk with fixed padding). Three compressions become two.
// (Core: the `midstate` field of the old `getwork` RPC and `ScanHash_CryptoPP` in Bitcoin 0.3-0.8 miner.cpp.)
//
// The file has two halves. `compress` is the textbook compression function, one commented step at a
// time; `midstate` and `hashHeaderMidstate` are built from it. `searchNonces` is the same arithmetic
// rearranged for speed (docs/PROTOCOL.md §13 measures it): local 32-bit variables, preallocated schedules,
// and everything that does not depend on the nonce computed once, outside the loop.
// Pure computation: no I/O, no clock.

/**
 * Round constants K0..K63 (FIPS 180-4 section 4.2.2): the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. "Nothing up my sleeve" numbers: anyone can recompute them.
 */
const K = Uint32Array.of(
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
);

/**
 * Initial hash value H(0) (FIPS 180-4 section 5.3.3): the first 32 bits of the fractional parts of the
 * square roots of the first 8 primes.
 */
const IV = Uint32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);

/** Header layout (src/consensus/encoding.ts): 112 bytes, the u64 nonce in the last 8. */
const HEADER_BYTES = 112;
/** Message length in bits, the last word of SHA-256 padding (FIPS 180-4 section 5.1.1). */
const HEADER_BITS = HEADER_BYTES * 8; // 896
const DIGEST_BITS = 32 * 8; // 256
/** First padding word: a single 1 bit right after the message, then zeros. */
const PAD_ONE = 0x80000000;

// The six logical functions of FIPS 180-4 section 4.1.2, named as in RFC 6234. All operate on 32-bit words.

/** Rotate right by n bits (ROTR^n). */
function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}
/** Ch: where e is 1 choose f, else g. */
function ch(e: number, f: number, g: number): number {
  return (e & f) ^ (~e & g);
}
/** Maj: the bitwise majority of a, b, c. */
function maj(a: number, b: number, c: number): number {
  return (a & b) ^ (a & c) ^ (b & c);
}
/** Σ0 (upper-case sigma), applied to a in every round. */
function bsig0(x: number): number {
  return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22);
}
/** Σ1, applied to e in every round. */
function bsig1(x: number): number {
  return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25);
}
/** σ0 (lower-case sigma), used by the message schedule. */
function ssig0(x: number): number {
  return rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
}
/** σ1, used by the message schedule. */
function ssig1(x: number): number {
  return rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10);
}

/**
 * The SHA-256 compression function (FIPS 180-4 section 6.2.2, steps 1-4). Mixes one 64-byte chunk, given
 * as 16 big-endian words in w[0..15], into `state` (8 words) in place. `w` holds 64 words: step 1 fills
 * w[16..63]. (Core: sha256::Transform in crypto/sha256.cpp.)
 */
export function compress(state: Uint32Array, w: Uint32Array): void {
  // Step 1: extend the 16 message words to the 64-word message schedule. Each new word mixes four
  // earlier ones, so every bit of the chunk reaches many rounds.
  for (let t = 16; t < 64; t++) {
    w[t] = (ssig1(w[t - 2]!) + w[t - 7]! + ssig0(w[t - 15]!) + w[t - 16]!) >>> 0;
  }
  // Step 2: the eight working variables start as the state so far.
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  // Step 3: 64 rounds. Each computes two temporaries from the variables, a round constant and one
  // schedule word, then shifts the variables down by one place, injecting T1 + T2 at a and T1 at e.
  for (let t = 0; t < 64; t++) {
    const t1 = (h + bsig1(e) + ch(e, f, g) + K[t]! + w[t]!) >>> 0;
    const t2 = (bsig0(a) + maj(a, b, c)) >>> 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  // Step 4: the new state is the old state plus the working variables, word by word, mod 2^32. (Adding
  // the input back is what makes the function one-way: Davies-Meyer.)
  state[0] = (state[0]! + a) >>> 0;
  state[1] = (state[1]! + b) >>> 0;
  state[2] = (state[2]! + c) >>> 0;
  state[3] = (state[3]! + d) >>> 0;
  state[4] = (state[4]! + e) >>> 0;
  state[5] = (state[5]! + f) >>> 0;
  state[6] = (state[6]! + g) >>> 0;
  state[7] = (state[7]! + h) >>> 0;
}

/** The big-endian 32-bit word at byte `offset` of `bytes`. */
function wordAt(bytes: Uint8Array, offset: number): number {
  const high = (bytes[offset]! << 24) | (bytes[offset + 1]! << 16);
  return (high | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** The state after compressing one 64-byte chunk from the initial value: the header's midstate. */
export function midstate(first64: Uint8Array): Uint32Array {
  if (first64.length < 64)
    throw new RangeError(`midstate needs a 64-byte chunk, got ${first64.length} bytes`);
  const state = IV.slice();
  const w = new Uint32Array(64);
  for (let i = 0; i < 16; i++) w[i] = wordAt(first64, i * 4);
  compress(state, w);
  return state;
}

function checkHeader(header: Uint8Array): void {
  if (header.length !== HEADER_BYTES) {
    throw new RangeError(`a block header is ${HEADER_BYTES} bytes, got ${header.length}`);
  }
}

/**
 * SHA-256(SHA-256(header)) computed the miner's way: midstate, then chunk 2, then the second hash. The
 * reference for searchNonces (they must agree with each other and with a plain double SHA-256).
 */
export function hashHeaderMidstate(header: Uint8Array): Uint8Array {
  checkHeader(header);
  // First SHA-256, chunk 1: the midstate.
  const state = midstate(header);
  // Chunk 2: the last 48 header bytes, then the padding for a 112-byte message: a 1 bit, zeros, and the
  // length in bits in the last word (the high length word, w[14], is 0).
  const w = new Uint32Array(64);
  for (let i = 0; i < 12; i++) w[i] = wordAt(header, 64 + i * 4);
  w[12] = PAD_ONE;
  w[15] = HEADER_BITS;
  compress(state, w);
  // Second SHA-256: the 8-word digest is the message, padded to one chunk for a 32-byte message.
  w.fill(0);
  w.set(state, 0);
  w[8] = PAD_ONE;
  w[15] = DIGEST_BITS;
  const out = IV.slice();
  compress(out, w);
  // The digest is the state's words, big-endian.
  const digest = new Uint8Array(32);
  const view = new DataView(digest.buffer);
  for (let i = 0; i < 8; i++) view.setUint32(i * 4, out[i]!);
  return digest;
}

// ---------------------------------------------------------------------------------------------------
// The fast path: the same arithmetic as `compress`, specialised for one job.
//
// Per nonce the miner runs chunk 2 of the header from the midstate, then the second SHA-256. Three
// observations remove most of the work that does not depend on the nonce:
//  1. Chunk 2 is 16 words: 0..9 fixed per template (txRoot tail, miner, time, bits), 10 = the nonce's
//     high word (fixed within a segment of 2^32 nonces), 11 = the low word (the loop counter), 12..15 the
//     padding for a 112-byte message. Round t reads schedule word t only, so rounds 0..10 do not depend
//     on the low word: they run once per segment (`prepareSegment`), and the loop starts at round 11.
//     (cgminer calls this "precalc"; in Bitcoin the nonce is word 3, so only 3 rounds can be skipped.)
//  2. Schedule words that do not depend on word 11 (16, 17, 19, 21, 23) and the parts of the others that
//     do not (e.g. word 18 = σ1(w16) + w11 + σ0(w3) + w2: only w11 varies) are summed once per segment.
//     The second hash's words 8..15 are the fixed padding of a 32-byte message, so every term built only
//     from them is a number known in advance, written into the code as a literal.
//  3. JavaScript has no macros, and a loop over rounds keeps the schedule in an array: every access is a
//     memory load with a bounds check. Straight-line code with one local variable per schedule word and
//     the round constants as literals lets V8 keep values in registers and fold constants; measured here
//     it is about 1.35x faster than the best looped version. Writing 117 rounds out by hand would bury the
//     algorithm (and invite typos), so `buildScanner` below writes that code once, at load time, from the
//     same round formula as `compress`, and compiles it with `new Function`. Only constants of this file
//     go into the generated text, never input. The tests check its output against @noble/hashes.
// ---------------------------------------------------------------------------------------------------

/** A schedule word, as the code generator sees it. */
type Word =
  | { readonly kind: 'const'; readonly value: number } // known now: padding, or derived only from padding
  | { readonly kind: 'fixed'; readonly name: string } // fixed per segment: a local computed before the loop
  | { readonly kind: 'nonce'; readonly name: string }; // changes with every nonce: computed in the loop

const rotrSrc = (x: string, n: number): string => `((${x} >>> ${n}) | (${x} << ${32 - n}))`;
const bsig0Src = (x: string): string => `(${rotrSrc(x, 2)} ^ ${rotrSrc(x, 13)} ^ ${rotrSrc(x, 22)})`;
const bsig1Src = (x: string): string => `(${rotrSrc(x, 6)} ^ ${rotrSrc(x, 11)} ^ ${rotrSrc(x, 25)})`;
const ssig0Src = (x: string): string => `(${rotrSrc(x, 7)} ^ ${rotrSrc(x, 18)} ^ (${x} >>> 3))`;
const ssig1Src = (x: string): string => `(${rotrSrc(x, 17)} ^ ${rotrSrc(x, 19)} ^ (${x} >>> 10))`;
/** A 32-bit number as a signed literal (V8's int32 fast path). */
const lit = (v: number): string => String(v | 0);
/** The 32-bit sum of some terms (a single term needs no addition). */
const sum = (terms: string[]): string => (terms.length === 1 ? terms[0]! : `(${terms.join(' + ')}) | 0`);

/** Emits straight-line code for a run of rounds, with the schedule words computed just before use. */
class RoundWriter {
  /** Code that runs once per segment, before the nonce loop. */
  readonly setup: string[] = [];
  /** Code that runs for every nonce. */
  readonly loop: string[] = [];
  /** The working variables' names in role order a..h; rotating names replaces 8 moves per round. */
  private roles = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

  /** Reset the roles to the canonical names (each compression starts with a = 'a', …). */
  start(): void {
    this.roles = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  }

  /** The current name of working variable i (0 = a … 7 = h). */
  role(i: number): string {
    return this.roles[i]!;
  }

  /**
   * Schedule word t = σ1(w[t-2]) + w[t-7] + σ0(w[t-15]) + w[t-16] (FIPS 180-4 section 6.2.2 step 1),
   * split into what is known now, what is fixed per segment and what changes with the nonce.
   */
  schedule(w: Word[], t: number, prefix: string): void {
    const terms: [Word, (x: string) => string, (v: number) => number][] = [
      [w[t - 2]!, ssig1Src, ssig1],
      [w[t - 7]!, (x) => x, (v) => v],
      [w[t - 15]!, ssig0Src, ssig0],
      [w[t - 16]!, (x) => x, (v) => v],
    ];
    let known = 0;
    const fixed: string[] = [];
    const varying: string[] = [];
    for (const [word, src, value] of terms) {
      if (word.kind === 'const') known = (known + value(word.value)) | 0;
      else (word.kind === 'fixed' ? fixed : varying).push(src(word.name));
    }
    const name = `${prefix}${t}`;
    const knownTerm = known === 0 ? [] : [lit(known)];
    if (fixed.length === 0 && varying.length === 0) {
      w[t] = { kind: 'const', value: known >>> 0 };
    } else if (varying.length === 0) {
      this.setup.push(`const ${name} = ${sum([...knownTerm, ...fixed])};`);
      w[t] = { kind: 'fixed', name };
    } else {
      let base = knownTerm;
      if (fixed.length > 0) {
        this.setup.push(`const ${name}_fixed = ${sum([...knownTerm, ...fixed])};`);
        base = [`${name}_fixed`];
      }
      this.loop.push(`const ${name} = ${sum([...base, ...varying])};`);
      w[t] = { kind: 'nonce', name };
    }
  }

  /**
   * One round (FIPS 180-4 section 6.2.2 step 3), written so that no variable is copied:
   *   T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t];  T2 = Σ0(a) + Maj(a,b,c)
   *   d ← d + T1;  h ← T1 + T2;  then the roles shift by one (h becomes the next a, d the next e, …).
   * Ch(e,f,g) = g ^ (e & (f ^ g)) and Maj(a,b,c) = (a & b) | (c & (a | b)) are the usual cheaper forms.
   */
  round(t: number, word: Word, tag: string): void {
    const [a, b, c, d, e, f, g, h] = this.roles as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    let kw: string;
    if (word.kind === 'const') kw = lit(K[t]! + word.value);
    else if (word.kind === 'fixed') {
      this.setup.push(`const kw${tag}${t} = (${lit(K[t]!)} + ${word.name}) | 0;`);
      kw = `kw${tag}${t}`;
    } else kw = `${lit(K[t]!)} + ${word.name}`;
    this.loop.push(`${h} = (${h} + ${bsig1Src(e)} + (${g} ^ (${e} & (${f} ^ ${g}))) + ${kw}) | 0;`);
    this.loop.push(`${d} = (${d} + ${h}) | 0;`);
    this.loop.push(`${h} = (${h} + ${bsig0Src(a)} + ((${a} & ${b}) | (${c} & (${a} | ${b})))) | 0;`);
    this.roles = [h, a, b, c, d, e, f, g];
  }
}

/**
 * scan(lo0, n, W1, PRE, MID, target0, tie) tries low nonce words lo0 .. lo0+n-1 and returns the first
 * whose double hash's top word is below target0 (or equal and `tie` confirms), else -1.
 */
type Scanner = (
  lo0: number,
  n: number,
  w1: Int32Array,
  pre: Int32Array,
  mid: Int32Array,
  target0: number,
  tie: (h1: number, h2: number, h3: number, h4: number, h5: number, h6: number, h7: number) => boolean,
) => number;

function buildScanner(): Scanner {
  const out = new RoundWriter();
  const lines = out.setup;
  for (let i = 0; i < 8; i++) lines.push(`const m${i} = mid[${i}], p${i} = pre[${i}];`);
  // Chunk 2 of the header: words 0..10 fixed per segment, 11 the nonce's low word, 12..15 the padding.
  const u: Word[] = [];
  for (let i = 0; i < 11; i++) {
    lines.push(`const u${i} = w1[${i}];`);
    u[i] = { kind: 'fixed', name: `u${i}` };
  }
  u[11] = { kind: 'nonce', name: 'u11' };
  u[12] = { kind: 'const', value: PAD_ONE };
  u[13] = { kind: 'const', value: 0 };
  u[14] = { kind: 'const', value: 0 };
  u[15] = { kind: 'const', value: HEADER_BITS };
  out.loop.push('const u11 = lo | 0;');
  out.loop.push('a = p0; b = p1; c = p2; d = p3; e = p4; f = p5; g = p6; h = p7;');
  out.start();
  for (let t = 11; t < 64; t++) {
    if (t >= 16) out.schedule(u, t, 'u');
    out.round(t, u[t]!, 'u');
  }
  // First digest = midstate + working variables: the second hash's message words 0..7, then the padding
  // for a 32-byte message.
  const v: Word[] = [];
  for (let i = 0; i < 8; i++) {
    out.loop.push(`const v${i} = (m${i} + ${out.role(i)}) | 0;`);
    v[i] = { kind: 'nonce', name: `v${i}` };
  }
  v[8] = { kind: 'const', value: PAD_ONE };
  for (let i = 9; i < 15; i++) v[i] = { kind: 'const', value: 0 };
  v[15] = { kind: 'const', value: DIGEST_BITS };
  out.loop.push(`a = ${lit(IV[0]!)}; b = ${lit(IV[1]!)}; c = ${lit(IV[2]!)}; d = ${lit(IV[3]!)};`);
  out.loop.push(`e = ${lit(IV[4]!)}; f = ${lit(IV[5]!)}; g = ${lit(IV[6]!)}; h = ${lit(IV[7]!)};`);
  out.start();
  for (let t = 0; t < 64; t++) {
    if (t >= 16) out.schedule(v, t, 'v');
    out.round(t, v[t]!, 'v');
  }
  // Early exit: the hash's most significant word is IV0 + a. Above the target's top word the hash is too
  // high whatever the other words are; that rejects all but about target0 / 2^32 of the nonces.
  const word = (i: number): string => `(${lit(IV[i]!)} + ${out.role(i)}) >>> 0`;
  out.loop.push(`const top = ${word(0)};`);
  out.loop.push('if (top > target0) continue;');
  const rest = [1, 2, 3, 4, 5, 6, 7].map(word).join(', ');
  out.loop.push(`if (top < target0 || tie(${rest})) return lo;`);
  const body = [
    ...lines,
    'let a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0;',
    'const stop = lo0 + n;',
    'for (let lo = lo0; lo < stop; lo++) {',
    ...out.loop,
    '}',
    'return -1;',
  ].join('\n');
  return new Function('lo0', 'n', 'w1', 'pre', 'mid', 'target0', 'tie', body) as Scanner;
}

const scan = buildScanner();

/** Chunk 2 words 0..10 of the current segment (11..15 are handled by the generated code). */
const W1 = new Int32Array(16);
/** State of chunk 2 after its nonce-independent rounds 0..10. */
const PRE = new Int32Array(8);
/** The header's midstate (state after chunk 1). */
const MID = new Int32Array(8);
/** The target as eight unsigned 32-bit words, most significant first. */
const TARGET = new Uint32Array(8);

/** The full comparison after a tie on the top word: is hash words 1..7 ≤ target words 1..7? */
function tie(h1: number, h2: number, h3: number, h4: number, h5: number, h6: number, h7: number): boolean {
  const hash = [h1, h2, h3, h4, h5, h6, h7];
  for (let i = 0; i < 7; i++) {
    if (hash[i] !== TARGET[i + 1]) return hash[i]! < TARGET[i + 1]!;
  }
  return true;
}

const MAX_U64 = (1n << 64n) - 1n;
const MAX_U256 = (1n << 256n) - 1n;

/**
 * Search nonces startNonce, startNonce + 1, … (count of them, stopping after 2^64 - 1) for the first one
 * that makes SHA-256(SHA-256(header)) ≤ target, read as a 256-bit big-endian number (Core: the comparison
 * in CheckProofOfWork). The header's own nonce field is ignored. Returns that nonce, or null.
 */
export function searchNonces(
  header: Uint8Array,
  target: bigint,
  startNonce: bigint,
  count: number,
): bigint | null {
  checkHeader(header);
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a safe integer ≥ 0, got ${count}`);
  }
  if (startNonce < 0n || startNonce > MAX_U64) throw new RangeError(`startNonce is not a u64: ${startNonce}`);
  if (target < 0n) return null; // no hash is negative
  const t = target > MAX_U256 ? MAX_U256 : target;
  for (let i = 0; i < 8; i++) TARGET[i] = Number((t >> BigInt(224 - 32 * i)) & 0xffffffffn);
  MID.set(midstate(header));
  const end = startNonce + BigInt(count) > MAX_U64 ? MAX_U64 + 1n : startNonce + BigInt(count);
  // bigint only out here: within a segment the high word is fixed and the low word a plain number.
  let nonce = startNonce;
  while (nonce < end) {
    const hi = Number(nonce >> 32n);
    const lo = Number(nonce & 0xffffffffn);
    const remaining = end - nonce;
    const n = remaining < BigInt(2 ** 32 - lo) ? Number(remaining) : 2 ** 32 - lo;
    prepareSegment(header, hi);
    const found = scan(lo, n, W1, PRE, MID, TARGET[0]!, tie);
    if (found >= 0) return (BigInt(hi) << 32n) | BigInt(found);
    nonce += BigInt(n);
  }
  return null;
}

/** Load chunk 2's fixed words and run its rounds 0..10 from the midstate (the textbook round). */
function prepareSegment(header: Uint8Array, hi: number): void {
  for (let i = 0; i < 10; i++) W1[i] = wordAt(header, 64 + i * 4);
  W1[10] = hi;
  let a = MID[0]!;
  let b = MID[1]!;
  let c = MID[2]!;
  let d = MID[3]!;
  let e = MID[4]!;
  let f = MID[5]!;
  let g = MID[6]!;
  let h = MID[7]!;
  for (let t = 0; t < 11; t++) {
    const t1 = (h + bsig1(e) + ch(e, f, g) + K[t]! + W1[t]!) | 0;
    const t2 = (bsig0(a) + maj(a, b, c)) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  PRE.set([a, b, c, d, e, f, g, h]);
}
