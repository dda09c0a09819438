import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { HEADERS, InvalidMessageError, createEnvelope, topology } from '@agentflow/contracts';
import type { InboundMessage } from './bus';
import { createMessenger } from './create-messenger';
import { EmbeddedBus } from './embedded/embedded-bus';
import { ObjectIntegrityError } from './errors';
import { encodeJson } from './message-codec';
import { provisionTopology } from './provision';
import { extractTraceContext, injectTraceContext, runWithTraceContext } from './trace-context';

const topo = topology('msgr');
const subject = topo.subjects.runCancel('run-9');

/** The stored message as a consumer would receive it. */
async function lastMessage(bus: EmbeddedBus): Promise<InboundMessage> {
  const stored = (await bus.lastOnSubject(topo.streams.runs.name, subject))!;
  return {
    subject,
    data: stored.data,
    headers: stored.headers,
    info: {
      deliveryCount: 1,
      redelivered: false,
      streamSequence: stored.seq,
      stream: topo.streams.runs.name,
      consumer: 'test',
      timestampMs: 0,
    },
    json: () => JSON.parse(new TextDecoder().decode(stored.data)),
    ack: async () => undefined,
    nak: () => undefined,
    term: () => undefined,
    working: () => undefined,
  };
}

describe('createMessenger', () => {
  let bus: EmbeddedBus;
  beforeEach(async () => {
    bus = new EmbeddedBus();
    await provisionTopology(bus, topo);
  });
  afterEach(() => bus.drain());

  test('emit publishes an envelope with type, schema version and the envelope id as Nats-Msg-Id', async () => {
    const messenger = createMessenger(bus, topo);
    await messenger.emit(
      subject,
      'run.cancel',
      { runId: 'run-9', reason: 'superseded' },
      { runId: 'run-9', attempt: 2 },
    );
    const msg = await lastMessage(bus);
    const envelope = msg.json<{
      id: string;
      runId: string;
      attempt: number;
      type: string;
      schemaVersion: number;
    }>();
    expect(envelope).toMatchObject({ runId: 'run-9', attempt: 2, type: 'run.cancel', schemaVersion: 1 });
    expect(msg.headers).toMatchObject({
      [HEADERS.msgId]: envelope.id,
      [HEADERS.messageType]: 'run.cancel',
      [HEADERS.schemaVersion]: '1',
    });
    const read = await messenger.read(msg, ['run.cancel', 'run.failed']);
    expect(read.body.reason).toBe('superseded');
  });

  test('a deterministic msgId deduplicates a re-emit', async () => {
    const messenger = createMessenger(bus, topo);
    const first = await messenger.emit(
      subject,
      'run.cancel',
      { runId: 'run-9', reason: 'a' },
      { msgId: 'run-9:cancel' },
    );
    const again = await messenger.emit(
      subject,
      'run.cancel',
      { runId: 'run-9', reason: 'a' },
      { msgId: 'run-9:cancel' },
    );
    expect(again).toEqual({ ...first, duplicate: true });
  });

  test('a body over the threshold travels by reference and reads back whole', async () => {
    const messenger = createMessenger(bus, topo, { largeBodyThreshold: 1024 });
    const reason = 'r'.repeat(4000);
    await messenger.emit(subject, 'run.cancel', { runId: 'run-9', reason }, { msgId: 'big' });
    const msg = await lastMessage(bus);
    expect(msg.headers[HEADERS.bodyRef]).toBe(`${topo.buckets.objects}/big`);
    expect(msg.json<{ body: { size: number } }>().body.size).toBeGreaterThan(4000);
    expect((await messenger.read(msg, 'run.cancel')).body.reason).toBe(reason);
  });

  test('a reference header without a reference body, or a missing object, is not readable', async () => {
    const messenger = createMessenger(bus, topo);
    await bus.publish(subject, encodeJson(createEnvelope('run.cancel', { runId: 'r', reason: 'x' })), {
      headers: { [HEADERS.bodyRef]: 'nowhere' },
    });
    await expect(messenger.read(await lastMessage(bus), 'run.cancel')).rejects.toBeInstanceOf(
      InvalidMessageError,
    );
    const ref = { ref: `${topo.buckets.objects}/gone`, sha256: '0'.repeat(64), size: 10 };
    await bus.publish(subject, encodeJson(createEnvelope('run.cancel', ref)), {
      headers: { [HEADERS.bodyRef]: ref.ref },
    });
    await expect(messenger.read(await lastMessage(bus), 'run.cancel')).rejects.toBeInstanceOf(
      ObjectIntegrityError,
    );
  });

  test('trace helpers carry a span context through headers', () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const spanContext = {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
      };
      const headers = injectTraceContext({}, trace.setSpanContext(context.active(), spanContext));
      expect(headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
      expect(trace.getSpanContext(extractTraceContext(headers))?.traceId).toBe(spanContext.traceId);
      expect(runWithTraceContext(headers, () => 'ran')).toBe('ran');
    } finally {
      propagation.disable();
    }
  });
});
