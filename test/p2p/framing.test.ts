import { streamPair } from '@libp2p/utils';
import { describe, expect, test } from 'vitest';
import { clientExchange, type FramedStream, ProtocolError, serverExchange } from '../../src/p2p/framing.js';

describe('framed exchanges', () => {
  test('one request, one answer', async () => {
    const [out, inc] = await streamPair();
    const served = serverExchange(inc, { maxFrame: 16, timeoutMs: 2_000 }, async (req, fs) => {
      await fs.write(Uint8Array.from([...req].reverse()));
    });
    const answer = await clientExchange(
      async () => out,
      Uint8Array.of(1, 2, 3),
      { maxFrame: 16, timeoutMs: 2_000 },
      (fs) => fs.read(),
    );
    expect([...answer]).toEqual([3, 2, 1]);
    await served;
  });

  test('a frame over the limit is refused as OVERSIZED from its length prefix alone', async () => {
    const [out, inc] = await streamPair();
    const served = serverExchange(inc, { maxFrame: 8, timeoutMs: 2_000 }, async () => undefined);
    // 2^30 bytes announced, 3 sent: the server must refuse without waiting for (or allocating) the rest.
    out.send(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x04, 1, 2, 3));
    const err = await served.catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('OVERSIZED');
  });

  test('a peer that never sends is cut off at the deadline as TIMEOUT', async () => {
    const [, inc] = await streamPair();
    const started = Date.now();
    const err = await serverExchange(inc, { maxFrame: 8, timeoutMs: 200 }, async () => undefined).catch(
      (e) => e,
    );
    expect((err as ProtocolError).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('a peer that never answers is cut off at the deadline as TIMEOUT', async () => {
    const [out] = await streamPair();
    const err = await clientExchange(
      async () => out,
      Uint8Array.of(1),
      { maxFrame: 8, timeoutMs: 200 },
      (fs: FramedStream) => fs.read(),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('TIMEOUT');
  });
});
