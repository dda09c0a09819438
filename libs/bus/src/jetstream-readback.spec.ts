import { nanos } from '@nats-io/transport-node';
import { RetentionPolicy } from '@nats-io/jetstream';
import { DEFAULT_CONSUMER, topology, type ConsumerSpec } from '@agentflow/contracts';
import { BusProvisioningError } from './errors';
import { verifyConsumerConfig, verifyStreamConfig } from './jetstream-readback';

const topo = topology();
const stream = topo.streams.tasks;
const consumer: ConsumerSpec = {
  ...DEFAULT_CONSUMER,
  stream: stream.name,
  durable: 'agents-code-review',
  filterSubject: topo.subjects.tasks('code-review'),
};

/** The configuration as a server that kept every option reports it. */
const streamAsStored = () => ({
  subjects: [...stream.subjects],
  retention: RetentionPolicy.Workqueue,
  max_age: nanos(stream.maxAgeMs),
  duplicate_window: nanos(stream.duplicateWindowMs),
});
const consumerAsStored = () => ({
  filter_subject: consumer.filterSubject,
  ack_wait: nanos(consumer.ackWaitMs),
  max_deliver: consumer.maxDeliver,
  max_ack_pending: consumer.maxAckPending,
  backoff: consumer.backoffMs.map((ms) => nanos(ms)),
});

describe('reading provisioned configuration back', () => {
  test('a configuration the server kept passes', () => {
    expect(() => verifyStreamConfig(stream, streamAsStored())).not.toThrow();
    expect(() => verifyConsumerConfig(consumer, consumerAsStored())).not.toThrow();
  });

  test.each([
    ['duplicate_window', { duplicate_window: undefined }],
    ['max_age', { max_age: 0 }],
    ['retention', { retention: RetentionPolicy.Limits }],
  ])('a stream whose %s was dropped fails naming it', (option, dropped) => {
    const verify = () => verifyStreamConfig(stream, { ...streamAsStored(), ...dropped });
    expect(verify).toThrow(BusProvisioningError);
    expect(verify).toThrow(new RegExp(`option ${option} should be`));
  });

  test.each([
    ['backoff', { backoff: undefined }],
    ['max_deliver', { max_deliver: -1 }],
    ['ack_wait', { ack_wait: nanos(5000) }],
  ])('a consumer whose %s was dropped fails naming it', (option, dropped) => {
    let error: unknown;
    try {
      verifyConsumerConfig(consumer, { ...consumerAsStored(), ...dropped });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BusProvisioningError);
    expect(error).toMatchObject({ option, resource: `${stream.name}/agents-code-review`, retryable: false });
  });
});
