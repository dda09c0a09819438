import { HEADERS, PermanentError, type ConsumerSpec } from '@agentflow/contracts';
import type { InboundMessage, PubAck, PublishOptions } from './bus';
import {
  deadLetterHeaders,
  defaultRetryDelayMs,
  startConsumerRunner,
  type MessageSource,
} from './consumer-runner';

const spec: ConsumerSpec = {
  stream: 'S',
  durable: 'd',
  filterSubject: 's.>',
  ackWaitMs: 3000,
  maxDeliver: 3,
  maxAckPending: 10,
  backoffMs: [],
};
const silent = { warn: () => undefined, error: () => undefined };

interface Settled {
  seq: number;
  how: 'ack' | 'nak' | 'term';
  delay?: number;
}

/** A source that hands out the given messages once, recording how each was settled. */
function fakeSource(count: number, deliveryCount = 1) {
  const settled: Settled[] = [];
  const queue = Array.from({ length: count }, (_, i) => i + 1);
  let closed = false;
  const message = (seq: number): InboundMessage => ({
    subject: `s.${seq}`,
    data: new TextEncoder().encode(`{"n":${seq}}`),
    headers: { [HEADERS.msgId]: `id-${seq}`, 'x-keep': 'yes' },
    info: {
      deliveryCount,
      redelivered: deliveryCount > 1,
      streamSequence: seq,
      stream: 'S',
      consumer: 'd',
      timestampMs: 0,
    },
    json: () => JSON.parse(`{"n":${seq}}`),
    ack: async () => void settled.push({ seq, how: 'ack' }),
    nak: (delay) => void settled.push({ seq, how: 'nak', delay }),
    term: () => void settled.push({ seq, how: 'term' }),
    working: () => undefined,
  });
  const source: MessageSource = {
    async pull(max, deliver) {
      if (closed) return;
      const batch = queue.splice(0, max);
      for (const seq of batch) deliver(message(seq));
      if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async close() {
      closed = true;
    },
    async onMaxDeliveries() {
      return () => undefined;
    },
  };
  return { source, settled };
}

async function until(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('consumer runner', () => {
  test('never runs more handlers at once than its concurrency', async () => {
    const { source, settled } = fakeSource(12);
    let running = 0;
    let peak = 0;
    const handle = startConsumerRunner({
      spec,
      source,
      options: { concurrency: 3 },
      deadLetterSubject: 'dlq.S',
      deadLetters: {
        publish: async () => ({ stream: 'DLQ', seq: 1, duplicate: false }),
        load: async () => null,
      },
      log: silent,
      handler: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 15));
        running -= 1;
      },
    });
    await until(() => settled.length === 12);
    await handle.stop();
    expect(peak).toBe(3);
    expect(settled.every((s) => s.how === 'ack')).toBe(true);
  });

  test.each([
    ['gives its slot back', 64, [1, 2, 3]],
    ['keeps its slot past maxWaiting', 0, [1]],
  ] as const)('a handler waiting on outside work %s', async (_name, maxWaiting, startedBeforeRelease) => {
    const { source, settled } = fakeSource(3);
    const started: number[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const handle = startConsumerRunner({
      spec,
      source,
      options: { concurrency: 1, maxWaiting },
      deadLetterSubject: 'dlq.S',
      deadLetters: {
        publish: async () => ({ stream: 'DLQ', seq: 1, duplicate: false }),
        load: async () => null,
      },
      log: silent,
      handler: async (msg) => {
        const seq = msg.json<{ n: number }>().n;
        started.push(seq);
        if (seq === 1) {
          // A vendor job: the first message waits for it; with the slot given back, the others run meanwhile.
          msg.waiting?.();
          await released;
        }
      },
    });
    await until(() => started.length >= startedBeforeRelease.length);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toEqual(startedBeforeRelease);
    expect(settled.some((m) => m.seq === 1)).toBe(false);
    release();
    await until(() => settled.length === 3);
    await handle.stop();
    expect(settled.map((m) => m.how)).toEqual(['ack', 'ack', 'ack']);
  });

  test('a message whose dead-letter copy cannot be written is handed back, not termed', async () => {
    const { source, settled } = fakeSource(1);
    const handle = startConsumerRunner({
      spec,
      source,
      options: { retryDelayMs: () => 1234 },
      deadLetterSubject: 'dlq.S',
      deadLetters: {
        publish: async () => {
          throw new Error('DLQ stream missing');
        },
        load: async () => null,
      },
      log: silent,
      handler: async () => {
        throw new PermanentError('bad input');
      },
    });
    await until(() => settled.length === 1);
    await handle.stop();
    expect(settled).toEqual([{ seq: 1, how: 'nak', delay: 1234 }]);
  });

  test('the dead-letter copy keeps the body and headers, drops server directives, and is deduplicated by stream sequence', async () => {
    const { source, settled } = fakeSource(1, 3);
    const published: Array<{ subject: string; data: string; options: PublishOptions }> = [];
    const handle = startConsumerRunner({
      spec,
      source,
      deadLetterSubject: 'dlq.S',
      deadLetters: {
        publish: async (subject, data, options): Promise<PubAck> => {
          published.push({ subject, data: new TextDecoder().decode(data), options });
          return { stream: 'DLQ', seq: 1, duplicate: false };
        },
        load: async () => null,
      },
      log: silent,
      handler: async () => {
        throw new Error('line one\r\nline two');
      },
    });
    await until(() => settled.length === 1);
    await handle.stop();
    expect(settled).toEqual([{ seq: 1, how: 'term' }]);
    expect(published).toHaveLength(1);
    const [copy] = published;
    expect(copy.subject).toBe('dlq.S');
    expect(copy.data).toBe('{"n":1}');
    expect(copy.options.msgId).toBe('dlq:S:1');
    expect(copy.options.headers).toEqual({
      'x-keep': 'yes',
      'af-dlq-msg-id': 'id-1',
      [HEADERS.deadLetterReason]: 'last allowed delivery (3 of 3) failed: Error: line one line two',
      [HEADERS.deadLetterSubject]: 's.1',
      [HEADERS.deadLetterStream]: 'S',
      [HEADERS.deadLetterDeliveries]: '3',
    });
  });

  test('a handler that settles and then throws is not settled twice', async () => {
    const { source, settled } = fakeSource(1);
    const handle = startConsumerRunner({
      spec,
      source,
      options: { manualSettle: true },
      deadLetterSubject: 'dlq.S',
      deadLetters: {
        publish: async () => ({ stream: 'DLQ', seq: 1, duplicate: false }),
        load: async () => null,
      },
      log: silent,
      handler: async (msg) => {
        msg.nak(500);
        throw new PermanentError('after settling');
      },
    });
    await until(() => settled.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await handle.stop();
    expect(settled).toEqual([{ seq: 1, how: 'nak', delay: 500 }]);
  });

  test('dead-letter reasons are one bounded header line', () => {
    const headers = deadLetterHeaders(
      { 'Nats-Expected-Last-Subject-Sequence': '4' },
      { reason: 'x'.repeat(5000), subject: 's', stream: 'S', deliveries: 1 },
    );
    expect(headers['Nats-Expected-Last-Subject-Sequence']).toBeUndefined();
    expect(headers[HEADERS.deadLetterReason].length).toBeLessThanOrEqual(1024);
  });

  test('the default retry delay grows with deliveries, is capped at a minute and jittered', () => {
    const samples = (n: number) => Array.from({ length: 200 }, () => defaultRetryDelayMs(n));
    for (const d of samples(1)) expect(d).toBeGreaterThanOrEqual(500);
    for (const d of samples(1)) expect(d).toBeLessThanOrEqual(1000);
    for (const d of samples(4)) expect(d).toBeGreaterThanOrEqual(4000);
    for (const d of samples(20)) expect(d).toBeLessThanOrEqual(60_000);
    expect(new Set(samples(3)).size).toBeGreaterThan(1);
  });
});
