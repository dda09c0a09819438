/**
 * The fake vendor in its own process, so its event loop and its RSS are its own. Speaks to the
 * bench over IPC: `{ latencyMs }` sets the added latency, `count` asks for the 200s served.
 */
import { FakeVendorServer } from '@agentflow/fake-vendor';

const vendor = new FakeVendorServer({ log: 'count' });

void vendor.start().then((url) => process.send!({ url }));
process.on('message', (m: { latencyMs?: number; count?: boolean }) => {
  if (m.latencyMs !== undefined) {
    vendor.setLatency(m.latencyMs);
    process.send!({ ok: true });
  }
  if (m.count) process.send!({ count: vendor.count('openai', 200) });
});
process.on('disconnect', () => void vendor.close().then(() => process.exit(0)));
