import 'reflect-metadata';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import {
  HEADERS,
  InvalidMessageError,
  PermanentError,
  TransientError,
  topology,
  type ConsumerSpec,
} from '@agentflow/contracts';
import type { MessageBus } from '../bus';
import { deleteTopology, provisionTopology } from '../provision';
import { BusClientProxy, BusRecord, BusReplyError } from '../nest/bus-client-proxy';
import { BusContext } from '../nest/bus-context';
import { BusExceptionFilter } from '../nest/bus-exception-filter';
import { BusTransportStrategy } from '../nest/bus-transport-strategy';

const topo = topology(`nest_${Math.random().toString(36).slice(2, 10)}`);
const TASKS = topo.subjects.tasks('code-review');
const GENERATE = topo.subjects.gatewayGenerate;

interface Seen {
  data: unknown;
  deliveryCount: number;
  redelivered: boolean;
}
const seen: Seen[] = [];

@Controller()
class ReviewController {
  @EventPattern<string>(TASKS)
  async onTask(@Payload() data: { kind: string }, @Ctx() ctx: BusContext): Promise<void> {
    const info = ctx.getDeliveryInfo()!;
    seen.push({ data, deliveryCount: info.deliveryCount, redelivered: info.redelivered });
    if (data.kind === 'invalid') throw new InvalidMessageError('task body is invalid');
    if (data.kind === 'flaky' && info.deliveryCount === 1)
      throw new TransientError('vendor busy', { retryAfterMs: 10 });
  }

  @MessagePattern<string>(GENERATE)
  generate(@Payload() data: { prompt: string }): { text: string } {
    if (data.prompt === 'refuse') throw new PermanentError('prompt refused');
    return { text: `echo: ${data.prompt}` };
  }
}

@Module({ controllers: [ReviewController] })
class ReviewModule {}

async function waitFor(predicate: () => boolean | Promise<boolean>): Promise<void> {
  const until = Date.now() + 5000;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A tiny Nest microservice on `makeBus()`: the transport must behave the same on every bus. */
export function describeNestTransport(label: string, makeBus: () => Promise<MessageBus>): void {
  describe(`BusTransportStrategy and BusClientProxy (a Nest microservice on ${label})`, () => {
    let bus: MessageBus;
    let app: INestMicroservice;
    let client: BusClientProxy;
    const consumer: ConsumerSpec = {
      stream: topo.streams.tasks.name,
      durable: 'code-review',
      filterSubject: TASKS,
      ackWaitMs: 2000,
      maxDeliver: 3,
      maxAckPending: 16,
      backoffMs: [],
    };

    beforeAll(async () => {
      bus = await makeBus();
      await provisionTopology(bus, topo);
      app = await NestFactory.createMicroservice(ReviewModule, {
        strategy: new BusTransportStrategy({
          bus,
          consumerFor: (pattern) => (pattern === TASKS ? consumer : undefined),
        }),
        logger: false,
      });
      app.useGlobalFilters(new BusExceptionFilter());
      await app.listen();
      client = new BusClientProxy(bus, { requestTimeoutMs: 2000 });
    });

    afterAll(async () => {
      await app?.close();
      if (!bus) return;
      await deleteTopology(bus, topo);
      await bus.drain();
    });

    beforeEach(() => {
      seen.length = 0;
    });

    test('an @EventPattern handler gets events emitted by the client, deduplicated by msgId', async () => {
      const first = await firstValueFrom(
        client.emit(TASKS, new BusRecord({ kind: 'ok' }, { msgId: 'task-1' })),
      );
      const again = await firstValueFrom(
        client.emit(TASKS, new BusRecord({ kind: 'ok' }, { msgId: 'task-1' })),
      );
      expect(again).toMatchObject({ seq: first.seq, duplicate: true });
      await waitFor(() => seen.length === 1);
      expect(seen[0]).toEqual({ data: { kind: 'ok' }, deliveryCount: 1, redelivered: false });
    });

    test('a transient error thrown by a handler redelivers the event', async () => {
      await firstValueFrom(client.emit(TASKS, { kind: 'flaky' }));
      await waitFor(() => seen.length === 2);
      expect(seen.map((s) => [s.deliveryCount, s.redelivered])).toEqual([
        [1, false],
        [2, true],
      ]);
    });

    test('an invalid message thrown by a handler is dead-lettered after one delivery', async () => {
      await firstValueFrom(client.emit(TASKS, new BusRecord({ kind: 'invalid' }, { msgId: 'task-invalid' })));
      const dlq = async () =>
        bus.readSubject(topo.streams.dlq.name, topo.subjects.dlq(topo.streams.tasks.name));
      await waitFor(async () => (await dlq()).length === 1);
      const [dead] = await dlq();
      expect(dead.headers[HEADERS.deadLetterReason]).toContain('InvalidMessageError: task body is invalid');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toHaveLength(1);
    });

    test('a @MessagePattern handler answers send(); its typed errors arrive as BusReplyError', async () => {
      await expect(firstValueFrom(client.send(GENERATE, { prompt: 'hi' }))).resolves.toEqual({
        text: 'echo: hi',
      });
      const refused = firstValueFrom(client.send(GENERATE, { prompt: 'refuse' }));
      await expect(refused).rejects.toBeInstanceOf(BusReplyError);
      await expect(refused).rejects.toMatchObject({ code: 'permanent', retryable: false });
    });
  });
}
