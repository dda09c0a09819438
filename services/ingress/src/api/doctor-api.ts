/**
 * `GET /api/doctor`: the `agentflow doctor` checks as the deployed agentflow sees them, run by the
 * ingress with its own environment (secrets from mounted files included), providers.yml and bus
 * prefix. Any CI API token that may read runs may ask; the report names no secret.
 */
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { join } from 'node:path';
import type { ProvidersConfig, Topology } from '@agentflow/contracts';
import { runDoctor, type ServiceContext } from '@agentflow/service-kit';
import { loadProvidersConfig } from '@agentflow/workflow';
import { ApiTokenStore, mayAct } from './api-tokens';
import type { ApiReply } from './runs-api';
import type { IngressConfig } from '../config';

const DOCTOR = Symbol('doctor');

export class DoctorApi {
  constructor(
    private readonly deps: {
      tokens: ApiTokenStore;
      env: ServiceContext['env'];
      topology: Topology;
      providersFile: string;
    },
  ) {}

  async report(authorization: string | undefined): Promise<ApiReply> {
    const principal = await this.deps.tokens.authenticate(authorization);
    if (!principal)
      return {
        status: 401,
        body: {
          title: 'unauthorized',
          status: 401,
          detail: 'a valid bearer token is required (Authorization: Bearer <token>)',
        },
      };
    if (!mayAct(principal, 'read'))
      return {
        status: 403,
        body: {
          title: 'forbidden',
          status: 403,
          detail: `token ${principal.name} (${principal.role}) may not read`,
        },
      };
    let providers: ProvidersConfig | undefined;
    try {
      providers = loadProvidersConfig(this.deps.providersFile);
    } catch {
      // Reported by the vendors line ("no providers.yml was read") rather than failing the report.
      providers = undefined;
    }
    const report = await runDoctor({
      env: this.deps.env,
      topology: this.deps.topology,
      providers,
      from: 'deployed',
    });
    return { status: 200, body: report };
  }
}

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
}
interface HttpReply {
  status(code: number): { send(body?: unknown): unknown };
}

@Controller('api')
export class DoctorController {
  constructor(@Inject(DOCTOR) private readonly doctor: DoctorApi) {}

  @Get('doctor')
  async report(@Req() req: HttpRequest, @Res() reply: HttpReply): Promise<void> {
    const h = req.headers.authorization;
    const r = await this.doctor.report(Array.isArray(h) ? h[0] : h);
    reply.status(r.status).send(r.body);
  }
}

/** The controller and its provider, for the ingress module. */
export function doctorEndpoint(ctx: ServiceContext, config: IngressConfig) {
  const api = new DoctorApi({
    tokens: new ApiTokenStore(ctx.db, config.adminToken),
    env: ctx.env,
    topology: ctx.topology,
    providersFile: ctx.env.PROVIDERS_FILE || join(config.workflowsDir, 'providers.yml'),
  });
  return { controllers: [DoctorController], providers: [{ provide: DOCTOR, useValue: api }] };
}
