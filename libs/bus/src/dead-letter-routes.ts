/**
 * Which subject a stream's dead letters go to, per bus. `provisionTopology` records the routes of
 * the topology it provisions, so a bus created without a topology still dead-letters a prefixed
 * topology's messages to that topology's DLQ stream (tests and `agentflow up` use prefixes).
 */
const routes = new WeakMap<object, Map<string, string>>();

export function setDeadLetterRoute(bus: object, stream: string, subject: string): void {
  let byStream = routes.get(bus);
  if (!byStream) {
    byStream = new Map();
    routes.set(bus, byStream);
  }
  byStream.set(stream, subject);
}

export function deadLetterRoute(bus: object, stream: string): string | undefined {
  return routes.get(bus)?.get(stream);
}
