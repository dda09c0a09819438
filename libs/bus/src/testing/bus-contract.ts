/**
 * The bus contract: one suite, run against every {@link MessageBus} implementation
 * (`jetstream.int.spec.ts` on real NATS, `embedded.spec.ts` in process). Each case names one
 * behaviour services rely on and fails when it is missing. Timings are short (ack waits and
 * backoffs of a second or less) so a suite stays well under a minute.
 */
import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  HEADERS,
  InvalidMessageError,
  TransientError,
  createEnvelope,
  topology as makeTopology,
  type ConsumerSpec,
  type Topology,
} from '@agentflow/contracts';
import type { ConsumerHandle, InboundMessage, MessageBus } from '../bus';
import { createMessenger } from '../create-messenger';
import {
  BusProvisioningError,
  RequestFailedError,
  RequestSubjectCapturedError,
  RevisionConflictError,
} from '../errors';
import { encodeJson, encodeText } from '../message-codec';
import { deleteTopology, provisionTopology } from '../provision';

export type MakeBus = (topology: Topology) => Promise<MessageBus>;

const decoder = new TextDecoder();

async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeBusContract(label: string, makeBus: MakeBus): void {
  describe(`MessageBus contract: ${label}`, () => {
    const topo = makeTopology(`bc_${randomUUID().slice(0, 8).replace(/-/g, '')}`);
    let bus: MessageBus;
    const handles: ConsumerHandle[] = [];
    let caseNo = 0;

    /** A consumer spec on the work-queue TASKS stream with its own subject, short timings. */
    const taskConsumer = (overrides: Partial<ConsumerSpec> = {}): ConsumerSpec => {
      caseNo += 1;
      return {
        stream: topo.streams.tasks.name,
        durable: `case${caseNo}`,
        filterSubject: topo.subjects.tasks(`case${caseNo}`),
        ackWaitMs: 2000,
        maxDeliver: 3,
        maxAckPending: 64,
        backoffMs: [],
        ...overrides,
      };
    };
    const consume = async (...args: Parameters<MessageBus['consume']>) => {
      const handle = await bus.consume(...args);
      handles.push(handle);
      return handle;
    };
    const deadLetters = async (stream: string) =>
      (await bus.readSubject(topo.streams.dlq.name, topo.subjects.dlq(stream))).map((m) => ({
        ...m,
        text: decoder.decode(m.data),
      }));
    const cancelBody = (reason = 'superseded') => ({ runId: 'run-1', reason });

    beforeAll(async () => {
      bus = await makeBus(topo);
      await provisionTopology(bus, topo);
    });

    afterEach(async () => {
      await Promise.all(handles.splice(0).map((h) => h.stop(2000)));
    });

    afterAll(async () => {
      if (!bus) return;
      await deleteTopology(bus, topo);
      await bus.drain();
    });

    test('provisioning is idempotent', async () => {
      await provisionTopology(bus, topo);
      const spec = taskConsumer();
      await bus.ensureConsumer(spec);
      await bus.ensureConsumer(spec);
      expect(bus.isHealthy()).toBe(true);
    });

    test('provisioning creates every KV bucket of the topology with its settings', async () => {
      for (const name of ['runs', 'cache', 'limits', 'gatewayRequests'] as const) {
        // Opening a bucket that does not exist would create it; one that does refuses other settings.
        await expect(
          bus.kv(topo.buckets[name], { history: topo.bucketSettings[name].history + 1 }),
        ).rejects.toMatchObject({
          option: 'max_msgs_per_subject (history)',
        });
        await expect(bus.kv(topo.buckets[name], topo.bucketSettings[name])).resolves.toBeDefined();
      }
    });

    test('a re-publish with the same Nats-Msg-Id is deduplicated', async () => {
      const subject = topo.subjects.history('dedupe');
      const first = await bus.publish(subject, encodeText('one'), { msgId: 'dedupe-1' });
      const again = await bus.publish(subject, encodeText('one again'), { msgId: 'dedupe-1' });
      const other = await bus.publish(subject, encodeText('two'), { msgId: 'dedupe-2' });
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ stream: first.stream, seq: first.seq, duplicate: true });
      expect(other.duplicate).toBe(false);
      const stored = await bus.readSubject(topo.streams.history.name, subject);
      expect(stored.map((m) => decoder.decode(m.data))).toEqual(['one', 'two']);
    });

    test('a handler that throws gets the message again, flagged redelivered with its delivery count', async () => {
      const spec = taskConsumer();
      const seen: Array<{ count: number; redelivered: boolean }> = [];
      await consume(
        spec,
        async (msg) => {
          seen.push({ count: msg.info.deliveryCount, redelivered: msg.info.redelivered });
          if (msg.info.deliveryCount === 1) throw new TransientError('dependency down', { retryAfterMs: 50 });
        },
        { concurrency: 1 },
      );
      await bus.publish(spec.filterSubject, encodeText('{}'), { msgId: randomUUID() });
      await waitFor('the redelivery', () => seen.length >= 2);
      await sleep(300);
      expect(seen).toEqual([
        { count: 1, redelivered: false },
        { count: 2, redelivered: true },
      ]);
    });

    test('a nak with backoff is not redelivered before the delay', async () => {
      const spec = taskConsumer({ maxDeliver: 4 });
      const delayMs = 800;
      const times: Array<{ delivered: number; failed?: number }> = [];
      await consume(
        spec,
        async (msg) => {
          const at = { delivered: Date.now() } as { delivered: number; failed?: number };
          times.push(at);
          if (msg.info.deliveryCount < 3) {
            at.failed = Date.now();
            throw new Error('still failing');
          }
        },
        { concurrency: 1, retryDelayMs: () => delayMs },
      );
      await bus.publish(spec.filterSubject, encodeText('{}'), { msgId: randomUUID() });
      await waitFor('three deliveries', () => times.length >= 3);
      expect(times[1].delivered - times[0].failed!).toBeGreaterThanOrEqual(delayMs);
      expect(times[2].delivered - times[1].failed!).toBeGreaterThanOrEqual(delayMs);
    });

    test('a failing last allowed delivery is dead-lettered with the reason, then never delivered again', async () => {
      const spec = taskConsumer({ maxDeliver: 2 });
      let calls = 0;
      await consume(
        spec,
        async () => {
          calls += 1;
          throw new Error(`boom ${calls}`);
        },
        { retryDelayMs: () => 50 },
      );
      const ack = await bus.publish(spec.filterSubject, encodeText('{"payload":1}'), {
        msgId: 'last-delivery',
        headers: { 'x-custom': 'kept' },
      });
      await waitFor('the dead letter', async () =>
        (await deadLetters(spec.stream)).some(
          (m) => m.headers[HEADERS.deadLetterSubject] === spec.filterSubject,
        ),
      );
      await sleep(500);
      expect(calls).toBe(2);
      const [dead] = (await deadLetters(spec.stream)).filter(
        (m) => m.headers[HEADERS.deadLetterSubject] === spec.filterSubject,
      );
      expect(dead.text).toBe('{"payload":1}');
      expect(dead.headers[HEADERS.deadLetterReason]).toContain('last allowed delivery (2 of 2)');
      expect(dead.headers[HEADERS.deadLetterReason]).toContain('boom 2');
      expect(dead.headers[HEADERS.deadLetterStream]).toBe(spec.stream);
      expect(dead.headers[HEADERS.deadLetterDeliveries]).toBe('2');
      expect(dead.headers['x-custom']).toBe('kept');
      expect(dead.headers['af-dlq-msg-id']).toBe('last-delivery');
      // Dead-lettered exactly once, under the id that dedupes the advisory backstop's copy.
      const again = await bus.publish(topo.subjects.dlq(spec.stream), encodeText('x'), {
        msgId: `dlq:${spec.stream}:${ack.seq}`,
      });
      expect(again.duplicate).toBe(true);
    });

    test('poison messages (invalid JSON, invalid body) are dead-lettered after one delivery and the consumer goes on', async () => {
      const spec = taskConsumer({ maxDeliver: 5 });
      const messenger = createMessenger(bus, topo);
      const deliveries: number[] = [];
      const processed: string[] = [];
      await consume(
        spec,
        async (msg: InboundMessage) => {
          deliveries.push(msg.info.streamSequence);
          const envelope = await messenger.read(msg, 'run.cancel');
          processed.push(envelope.body.reason);
        },
        { concurrency: 1 },
      );
      const badJson = await bus.publish(spec.filterSubject, encodeText('{not json'), { msgId: randomUUID() });
      const badBody = await bus.publish(
        spec.filterSubject,
        encodeJson(createEnvelope('run.cancel', { runId: 7 })),
        { msgId: randomUUID() },
      );
      await messenger.emit(spec.filterSubject, 'run.cancel', cancelBody('after the poison'));
      await waitFor('the good message', () => processed.length === 1);
      await waitFor(
        'two dead letters',
        async () =>
          (await deadLetters(spec.stream)).filter(
            (m) => m.headers[HEADERS.deadLetterSubject] === spec.filterSubject,
          ).length === 2,
      );
      expect(processed).toEqual(['after the poison']);
      expect(deliveries.filter((s) => s === badJson.seq)).toHaveLength(1);
      expect(deliveries.filter((s) => s === badBody.seq)).toHaveLength(1);
      const dead = (await deadLetters(spec.stream)).filter(
        (m) => m.headers[HEADERS.deadLetterSubject] === spec.filterSubject,
      );
      expect(dead.map((m) => m.headers[HEADERS.deadLetterDeliveries])).toEqual(['1', '1']);
      expect(dead[0].headers[HEADERS.deadLetterReason]).toMatch(
        /not retryable: InvalidMessageError: .*not valid JSON/,
      );
      expect(dead[1].headers[HEADERS.deadLetterReason]).toMatch(
        /not retryable: InvalidMessageError: run.cancel is invalid: runId/,
      );
      expect(bus.isHealthy()).toBe(true);
    });

    test('the max-deliveries advisory dead-letters a message whose last delivery was never settled as failed', async () => {
      const spec = taskConsumer({ maxDeliver: 2 });
      let calls = 0;
      // manualSettle: the handler hands the message back itself (as a timer does), every time.
      await consume(
        spec,
        async (msg) => {
          calls += 1;
          msg.nak(20);
        },
        { manualSettle: true },
      );
      const ack = await bus.publish(spec.filterSubject, encodeText('{"timer":true}'), {
        msgId: randomUUID(),
      });
      await waitFor('the backstop dead letter', async () =>
        (await deadLetters(spec.stream)).some(
          (m) => m.headers[HEADERS.deadLetterSubject] === spec.filterSubject,
        ),
      );
      const [dead] = (await deadLetters(spec.stream)).filter(
        (m) => m.headers[HEADERS.deadLetterSubject] === spec.filterSubject,
      );
      expect(dead.headers[HEADERS.deadLetterReason]).toContain('max deliveries (2)');
      expect(dead.text).toBe('{"timer":true}');
      expect(calls).toBe(2);
      expect(
        (
          await bus.publish(topo.subjects.dlq(spec.stream), encodeText('x'), {
            msgId: `dlq:${spec.stream}:${ack.seq}`,
          })
        ).duplicate,
      ).toBe(true);
    });

    test('manualSettle with unlimited deliveries lets a timer nak until it is due', async () => {
      const spec = taskConsumer({ maxDeliver: -1 });
      const dueAt = Date.now() + 600;
      let deliveries = 0;
      let firedAt = 0;
      await consume(
        spec,
        async (msg) => {
          deliveries += 1;
          const remaining = msg.json<{ dueAt: number }>().dueAt - Date.now();
          if (remaining > 0) return msg.nak(Math.min(remaining, 200));
          firedAt = Date.now();
          await msg.ack();
        },
        { manualSettle: true },
      );
      await bus.publish(spec.filterSubject, encodeJson({ dueAt }), { msgId: randomUUID() });
      await waitFor('the timer', () => firedAt > 0);
      expect(firedAt).toBeGreaterThanOrEqual(dueAt);
      expect(deliveries).toBeGreaterThan(1);
    });

    test('replicas sharing a durable split the work, each message handled once', async () => {
      const spec = taskConsumer();
      const byReplica: Record<string, string[]> = { a: [], b: [] };
      const slow = (name: string) => async (msg: InboundMessage) => {
        await sleep(30);
        byReplica[name].push(decoder.decode(msg.data));
      };
      await consume(spec, slow('a'), { concurrency: 2 });
      await consume(spec, slow('b'), { concurrency: 2 });
      const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
      for (const text of sent)
        await bus.publish(spec.filterSubject, encodeText(text), { msgId: randomUUID() });
      await waitFor('all messages', () => byReplica.a.length + byReplica.b.length === sent.length);
      await sleep(200);
      expect([...byReplica.a, ...byReplica.b].sort()).toEqual([...sent].sort());
      expect(byReplica.a.length).toBeGreaterThan(0);
      expect(byReplica.b.length).toBeGreaterThan(0);
    });

    test('no more handlers run at once than the concurrency, unless a handler says it waits on outside work', async () => {
      const spec = taskConsumer();
      let running = 0;
      let peak = 0;
      const handled: string[] = [];
      let releaseWaiter!: () => void;
      const waiterReleased = new Promise<void>((resolve) => (releaseWaiter = resolve));
      await consume(
        spec,
        async (msg) => {
          const text = decoder.decode(msg.data);
          if (text === 'waits') {
            // A vendor job: the slot goes back while it waits, so the others are not held up.
            msg.waiting?.();
            await waiterReleased;
            handled.push(text);
            return;
          }
          running += 1;
          peak = Math.max(peak, running);
          await sleep(40);
          running -= 1;
          handled.push(text);
        },
        { concurrency: 2 },
      );
      const sent = ['waits', ...Array.from({ length: 8 }, (_, i) => `m${i}`)];
      try {
        for (const text of sent)
          await bus.publish(spec.filterSubject, encodeText(text), { msgId: randomUUID() });
        await waitFor('every message but the waiting one', () => handled.length === sent.length - 1);
        expect(handled).not.toContain('waits');
        expect(peak).toBe(2);
      } finally {
        // Even when an expectation failed, so the consumer can stop.
        releaseWaiter();
      }
      await waitFor('the waiting one', () => handled.includes('waits'));
    });

    test('a long handler is kept alive by working() heartbeats instead of being redelivered', async () => {
      // The handler runs for 2.5 ack waits; without heartbeats it would be redelivered twice.
      const spec = taskConsumer({ ackWaitMs: 1200 });
      const deliveries: number[] = [];
      let finished = false;
      await consume(spec, async (msg) => {
        deliveries.push(msg.info.deliveryCount);
        await sleep(3000);
        finished = true;
      });
      await bus.publish(spec.filterSubject, encodeText('{}'), { msgId: randomUUID() });
      await waitFor('the handler to finish', () => finished);
      await sleep(300);
      expect(deliveries).toEqual([1]);
    });

    test('KV create and update are compare-and-set', async () => {
      const kv = await bus.kv(topo.buckets.runs);
      const changes: Array<{ key: string; revision: number; operation: string }> = [];
      const stopWatch = await kv.watch(
        (e) => changes.push({ key: e.key, revision: e.revision, operation: e.operation }),
        { key: 'run-cas' },
      );
      const r1 = await kv.create('run-cas', encodeJson({ v: 1 }));
      await expect(kv.create('run-cas', encodeJson({ v: 'again' }))).rejects.toBeInstanceOf(
        RevisionConflictError,
      );
      const r2 = await kv.update('run-cas', encodeJson({ v: 2 }), r1);
      const stale = kv.update('run-cas', encodeJson({ v: 'stale' }), r1);
      await expect(stale).rejects.toBeInstanceOf(RevisionConflictError);
      await expect(stale.catch((e: RevisionConflictError) => e.retryable)).resolves.toBe(true);
      const current = await kv.get('run-cas');
      expect(current?.revision).toBe(r2);
      expect(current?.json()).toEqual({ v: 2 });
      await kv.delete('run-cas');
      expect(await kv.get('run-cas')).toBeNull();
      const r4 = await kv.create('run-cas', encodeJson({ v: 'recreated' }));
      expect(r4).toBeGreaterThan(r2);
      expect(await kv.keys()).toContain('run-cas');
      await waitFor('the watched changes', () => changes.length === 4);
      stopWatch();
      expect(changes.map((c) => c.operation)).toEqual(['PUT', 'PUT', 'DEL', 'PUT']);
      expect(changes[0].revision).toBe(r1);
    });

    test('a KV purge removes the key and its kept revisions; the key can be created again', async () => {
      const kv = await bus.kv(`${topo.prefix}_purge`, { history: 5 });
      const changes: string[] = [];
      const stop = await kv.watch((e) => changes.push(`${e.key}:${e.operation}`), { key: 'run.>' });
      const r1 = await kv.create('run.a', encodeText('1'));
      await kv.update('run.a', encodeText('2'), r1);
      await kv.put('run.b', encodeText('keep'));
      await kv.purge('run.a');
      expect(await kv.get('run.a')).toBeNull();
      expect(await kv.keys('run.>')).toEqual(['run.b']);
      await kv.create('run.a', encodeText('again'));
      expect(decoder.decode((await kv.get('run.a'))!.value)).toBe('again');
      await waitFor('the purge to be watched', () => changes.includes('run.a:PURGE'));
      stop();
      await bus.deleteKv(`${topo.prefix}_purge`);
    });

    test('a KV bucket keeps its settings: opening it without options binds, asking for others fails', async () => {
      const kv = await bus.kv(topo.buckets.runs);
      for (let i = 0; i < 7; i++) await kv.put('history-key', encodeJson({ i }));
      expect((await kv.get('history-key'))?.json()).toEqual({ i: 6 });
      await expect(bus.kv(topo.buckets.runs, { history: 1 })).rejects.toMatchObject({
        option: 'max_msgs_per_subject (history)',
      });
      await expect(bus.kv(topo.buckets.runs, { history: 5 })).resolves.toBeDefined();
    });

    test('a 5 MB body travels through the object store by reference', async () => {
      const spec = {
        ...taskConsumer(),
        stream: topo.streams.runs.name,
        filterSubject: topo.subjects.runCancel('big'),
      };
      const messenger = createMessenger(bus, topo);
      const reason = 'x'.repeat(5 * 1024 * 1024);
      let received: { reason: string; ref?: string; wireBytes: number } | undefined;
      await consume(spec, async (msg) => {
        const envelope = await messenger.read(msg, 'run.cancel');
        received = {
          reason: envelope.body.reason,
          ref: msg.headers[HEADERS.bodyRef],
          wireBytes: msg.data.byteLength,
        };
      });
      await messenger.emit(spec.filterSubject, 'run.cancel', cancelBody(reason), { msgId: 'big-body' });
      await waitFor('the big message', () => received !== undefined, 20_000);
      expect(received!.reason.length).toBe(reason.length);
      expect(received!.reason === reason).toBe(true);
      expect(received!.ref).toBe(`${topo.buckets.objects}/big-body`);
      expect(received!.wireBytes).toBeLessThan(64 * 1024);
      const objects = await bus.objects(topo.buckets.objects);
      const stored = await bus.lastOnSubject(spec.stream, spec.filterSubject);
      const ref = JSON.parse(decoder.decode(stored!.data)).body;
      await expect(objects.get({ ...ref, sha256: '0'.repeat(64) })).rejects.toThrow(/sha256/);
    });

    test('an object-store bucket removes bodies older than its max age, also one opened before without it', async () => {
      const bucket = `${topo.prefix}_aging`;
      const plain = await bus.objects(bucket);
      const ref = await plain.put('old-body', encodeText('x'.repeat(1000)));
      expect(decoder.decode(await plain.get(ref))).toHaveLength(1000);
      // Opened again with a max age, as provisioning does: the existing bucket takes it.
      const aging = await bus.objects(bucket, { maxAgeMs: 1000 });
      await sleep(2500);
      const fresh = await aging.put('fresh-body', encodeText('y'));
      await expect(aging.get(ref)).rejects.toThrow(/not found|expired/);
      expect(decoder.decode(await aging.get(fresh))).toBe('y');
      await bus.deleteObjects(bucket);
    });

    test('trace context crosses a hop: the receiver continues the sender trace', async () => {
      const contextManager = new AsyncLocalStorageContextManager().enable();
      context.setGlobalContextManager(contextManager);
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(new BasicTracerProvider());
      try {
        const spec = taskConsumer();
        const messenger = createMessenger(bus, topo);
        let received: { traceparent?: string; activeTraceId?: string } | undefined;
        await consume(spec, async (msg) => {
          received = {
            traceparent: msg.headers.traceparent,
            activeTraceId: trace.getActiveSpan()?.spanContext().traceId,
          };
        });
        const tracer = trace.getTracer('bus-contract');
        const sentTraceId = await tracer.startActiveSpan('ingress', async (span) => {
          await messenger.emit(spec.filterSubject, 'run.cancel', cancelBody());
          span.end();
          return span.spanContext().traceId;
        });
        await waitFor('the traced message', () => received !== undefined);
        expect(received!.traceparent?.split('-')[1]).toBe(sentTraceId);
        expect(received!.activeTraceId).toBe(sentTraceId);
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
      }
    });

    test('trace context crosses request/reply: the server span continues the caller trace', async () => {
      const contextManager = new AsyncLocalStorageContextManager().enable();
      context.setGlobalContextManager(contextManager);
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(new BasicTracerProvider());
      try {
        let served: { traceparent?: string; activeTraceId?: string } | undefined;
        const handle = await bus.serve(topo.subjects.gatewayGenerate, 'gateway', (msg) => {
          served = {
            traceparent: msg.headers.traceparent,
            activeTraceId: trace.getActiveSpan()?.spanContext().traceId,
          };
          msg.respond(encodeText('ok'));
        });
        try {
          const tracer = trace.getTracer('bus-contract');
          const callerTraceId = await tracer.startActiveSpan('agent task', async (span) => {
            await bus.request(topo.subjects.gatewayGenerate, encodeText('q'), { timeoutMs: 5_000 });
            span.end();
            return span.spanContext().traceId;
          });
          expect(served!.traceparent?.split('-')[1]).toBe(callerTraceId);
          expect(served!.activeTraceId).toBe(callerTraceId);
        } finally {
          await handle.stop();
        }
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
      }
    });

    test('stop() waits for in-flight handlers and pulls nothing new', async () => {
      const spec = taskConsumer();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handled: string[] = [];
      let inside = false;
      const handle = await bus.consume(spec, async (msg) => {
        inside = true;
        await gate;
        handled.push(decoder.decode(msg.data));
      });
      await bus.publish(spec.filterSubject, encodeText('in-flight'), { msgId: randomUUID() });
      await waitFor('the handler to start', () => inside);
      let stopped = false;
      const stopping = handle.stop(10_000).then(() => (stopped = true));
      await sleep(200);
      expect(stopped).toBe(false);
      expect(handle.inFlight).toBe(1);
      release();
      await stopping;
      expect(handled).toEqual(['in-flight']);
      await bus.publish(spec.filterSubject, encodeText('after stop'), { msgId: randomUUID() });
      await sleep(700);
      expect(handled).toEqual(['in-flight']);
      // The message waits for the next consumer on the durable.
      await consume(spec, async (msg) => {
        handled.push(decoder.decode(msg.data));
      });
      await waitFor('the next consumer', () => handled.length === 2);
      expect(handled[1]).toBe('after stop');
    });

    test('request/reply: one server of a queue group answers; no responders and stream subjects fail clearly', async () => {
      const served: string[] = [];
      const serve = (name: string) =>
        bus.serve(topo.subjects.gatewayGenerate, 'gateway', (msg) => {
          served.push(name);
          msg.respond(encodeJson({ echo: msg.json<{ q: string }>().q, by: name }), { 'x-served-by': name });
        });
      const services = [await serve('a'), await serve('b')];
      try {
        for (let i = 0; i < 4; i++) {
          const reply = await bus.request(topo.subjects.gatewayGenerate, encodeJson({ q: `q${i}` }), {
            timeoutMs: 2000,
          });
          expect(reply.json<{ echo: string }>().echo).toBe(`q${i}`);
          expect(reply.headers['x-served-by']).toBe(reply.json<{ by: string }>().by);
        }
        expect(served).toHaveLength(4);
      } finally {
        await Promise.all(services.map((s) => s.stop()));
      }
      await expect(
        bus.request(topo.subjects.gatewayJobs, encodeJson({}), { timeoutMs: 500 }),
      ).rejects.toBeInstanceOf(RequestFailedError);
      await expect(
        bus.serve(topo.subjects.tasks('not-a-service'), 'q', () => undefined),
      ).rejects.toBeInstanceOf(RequestSubjectCapturedError);
    });

    test('plain subscribers see live messages, including stream subjects', async () => {
      const seen: string[] = [];
      const sub = await bus.subscribe(topo.subjects.runProgress('*'), (msg) => {
        seen.push(msg.subject);
      });
      try {
        await bus.publish(topo.subjects.runProgress('live-1'), encodeText('{}'));
        await waitFor('the live message', () => seen.length === 1);
        expect(seen).toEqual([topo.subjects.runProgress('live-1')]);
      } finally {
        await sub.stop();
      }
    });

    test('an append with a stale expected-last-subject-sequence is refused', async () => {
      const subject = topo.subjects.history('expect');
      const first = await bus.publish(subject, encodeText('a'), { expectedLastSubjectSequence: 0 });
      await expect(
        bus.publish(subject, encodeText('b'), { expectedLastSubjectSequence: 0 }),
      ).rejects.toBeInstanceOf(RevisionConflictError);
      const second = await bus.publish(subject, encodeText('b'), { expectedLastSubjectSequence: first.seq });
      await expect(
        bus.publish(subject, encodeText('c'), { expectedLastSubjectSequence: first.seq }),
      ).rejects.toBeInstanceOf(RevisionConflictError);
      const last = await bus.lastOnSubject(topo.streams.history.name, subject);
      expect(last?.seq).toBe(second.seq);
      expect(decoder.decode(last!.data)).toBe('b');
      expect(await bus.lastOnSubject(topo.streams.history.name, topo.subjects.history('never'))).toBeNull();
    });

    test('a publish no stream captures fails with a provisioning error', async () => {
      await expect(bus.publish(`${topo.prefix}.nowhere.at-all`, encodeText('{}'))).rejects.toBeInstanceOf(
        BusProvisioningError,
      );
    });

    test('a stream overlapping another stream, and overlapping work-queue consumers, are refused', async () => {
      const overlapping = { ...topo.streams.tasks, name: `${topo.streams.tasks.name}_TWIN` };
      await expect(bus.ensureStream(overlapping)).rejects.toBeInstanceOf(BusProvisioningError);
      const spec = taskConsumer();
      await bus.ensureConsumer(spec);
      const rival = { ...spec, durable: `${spec.durable}-rival` };
      await expect(bus.ensureConsumer(rival)).rejects.toBeInstanceOf(BusProvisioningError);
    });

    test('a consumer whose redeliveries outlast the dedupe window is refused', async () => {
      const spec = taskConsumer({ ackWaitMs: topo.streams.tasks.duplicateWindowMs, maxDeliver: 2 });
      await expect(bus.ensureConsumer(spec)).rejects.toMatchObject({ option: 'duplicate_window' });
    });

    test('InvalidMessageError is the error a bad message raises', () => {
      // Guards the runner's poison rule: the contracts' class must stay non-retryable.
      expect(new InvalidMessageError('x').retryable).toBe(false);
    });
  });
}
