/** Thin HTTP mapping: webhooks and the CI API. Every answer comes from the framework-free core. */
import { Controller, Delete, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Ingress } from '../ingress';
import { countWebhook, outcomeOf } from '../webhooks/webhook-metrics';

export const INGRESS = Symbol('ingress');

/** What the controllers read of a request; Fastify's request (with Nest's `rawBody: true`) has it. */
interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
  body?: unknown;
}

/** What they need of a reply: status and send (Fastify and Express both have them). */
interface HttpReply {
  status(code: number): { send(body?: unknown): unknown };
}

function auth(req: HttpRequest): string | undefined {
  const h = req.headers.authorization;
  return Array.isArray(h) ? h[0] : h;
}

@Controller('webhooks')
export class WebhooksController {
  constructor(@Inject(INGRESS) private readonly ingress: Ingress) {}

  @Post('github')
  async github(@Req() req: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    const result = await this.ingress.intake.github({ headers: req.headers, rawBody: req.rawBody });
    countWebhook('github', outcomeOf(result));
    reply.status(result.status).send(result.body);
  }

  @Post('gitlab')
  async gitlab(@Req() req: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    const result = await this.ingress.intake.gitlab({ headers: req.headers, rawBody: req.rawBody });
    countWebhook('gitlab', outcomeOf(result));
    reply.status(result.status).send(result.body);
  }
}

@Controller('api')
export class RunsController {
  constructor(@Inject(INGRESS) private readonly ingress: Ingress) {}

  @Post('runs')
  async start(@Req() req: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    const r = await this.ingress.api.startRun(auth(req), req.body);
    reply.status(r.status).send(r.body);
  }

  @Post('coverage')
  async coverage(@Req() req: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    const r = await this.ingress.coverage.upload(auth(req), req.body);
    reply.status(r.status).send(r.body);
  }

  @Post('runs/:id/artifacts')
  async artifact(@Param('id') id: string, @Req() req: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    const r = await this.ingress.api.uploadArtifact(auth(req), id, req.body);
    reply.status(r.status).send(r.body);
  }

  @Get('runs/:id')
  async get(@Param('id') id: string, @Req() req: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    const r = await this.ingress.api.getRun(auth(req), id);
    reply.status(r.status).send(r.body);
  }

  @Get('runs')
  async list(
    @Query() query: Record<string, string>,
    @Req() req: HttpRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    const r = await this.ingress.api.listRuns(auth(req), query);
    reply.status(r.status).send(r.body);
  }

  @Post('tokens')
  async createToken(@Req() req: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    const r = await this.ingress.api.createToken(auth(req), req.body);
    reply.status(r.status).send(r.body);
  }

  @Delete('tokens/:id')
  async revokeToken(
    @Param('id') id: string,
    @Req() req: HttpRequest,
    @Res() reply: HttpReply,
  ): Promise<void> {
    const r = await this.ingress.api.revokeToken(auth(req), id);
    reply.status(r.status).send(r.body);
  }
}
