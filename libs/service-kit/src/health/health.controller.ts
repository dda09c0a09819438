import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import { metricsRegistry } from '@agentflow/telemetry';
import type { FastifyReply } from 'fastify';
import { Readiness } from './readiness';

/** Probes and metrics on the shared listener: `/health` (alive), `/ready` (dependencies answer), `/metrics`. */
@Controller()
export class HealthController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  /** Liveness: the event loop answers. Never checks dependencies, so an outage does not restart every pod. */
  @Get('health')
  @HttpCode(200)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: 200 when the bus is connected and the database answers, else 503 with the reasons. */
  @Get('ready')
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: 'ready' | 'not ready'; reasons: string[]; notes?: string[] }> {
    const report = await this.readiness.report();
    reply.status(report.ready ? 200 : 503);
    return {
      status: report.ready ? 'ready' : 'not ready',
      reasons: report.reasons,
      ...(report.notes ? { notes: report.notes } : {}),
    };
  }

  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
