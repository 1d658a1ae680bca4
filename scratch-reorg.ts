import { benchWorld, buildFixtures, openFreshChain } from './scripts/bench/chain/fixtures.js';
import type { Block } from './src/consensus/types.js';
import { VerifierPool } from './src/crypto/verifier-pool.js';

const world = benchWorld();
const fx = buildFixtures(world);
const pool = new VerifierPool();
async function round(a: readonly Block[], b: readonly Block[]) {
  const open = await openFreshChain(world.params, pool);
  const chain = open.chain;
  let t = performance.now();
  for (const x of a) await chain.processBlock(x);
  const first = performance.now() - t;
  for (const x of b.slice(0, -1)) await chain.processBlock(x);
  let lastDis = 0;
  chain.on('block:disconnected', () => {
    lastDis = performance.now();
  });
  t = performance.now();
  await chain.processBlock(b[b.length - 1]!);
  const end = performance.now();
  await open.close();
  return { first: first / a.length, dis: (lastDis - t) / a.length, con: (end - lastDis) / b.length };
}
await round(fx.branchA.slice(0, 10), fx.branchB.slice(0, 11));
for (let i = 0; i < 3; i++)
  console.log(process.env.NO_CHECK ?? 'checks', await round(fx.branchA, fx.branchB));
await pool.close();
