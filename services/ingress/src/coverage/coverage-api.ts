/**
 * `POST /api/coverage`: CI reports a head's line coverage (as a number, or as the report itself:
 * lcov, JaCoCo, Cobertura, xccov), which decides every coverage-gated workflow waiting on that
 * head (see {@link CoverageGate}). Framework-free; the controller maps HTTP to it.
 */
import { IsIn, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { describeError, InvalidMessageError, validateBody, type Platform } from '@agentflow/contracts';
import { parseCoverage, type CoverageFormat } from '@agentflow/mobile';
import type { ApiReply } from '../api/runs-api';
import { mayAct, type ApiTokenStore } from '../api/api-tokens';
import type { IngressLog } from '../log';
import type { CoverageGate } from './coverage-gate';

export class CoverageReportBody {
  /** The report file as CI wrote it: text, or base64 with `encoding: base64`. */
  @IsString() @MaxLength(50 * 1024 * 1024) content!: string;
  /** @default utf8 */
  @IsOptional() @IsIn(['utf8', 'base64']) encoding?: 'utf8' | 'base64';
  /** @default detected from the content */
  @IsOptional() @IsIn(['lcov', 'jacoco', 'cobertura', 'xccov']) format?: CoverageFormat;
}

export class CoverageUpload {
  /** @default github */
  @IsOptional() @IsIn(['github', 'gitlab']) platform?: 'github' | 'gitlab';
  @IsString() @Matches(/^[\w.-]+(\/[\w.-]+)+$/) repo!: string;
  /** The commit CI measured: the pull request's head. */
  @IsString() @Matches(/^[0-9a-f]{7,64}$/i) headSha!: string;
  /** Line coverage in percent; or send `report`. */
  @IsOptional() @IsNumber() @Min(0) @Max(100) lineCoverage?: number;
  @IsOptional() @ValidateNested() @Type(() => CoverageReportBody) report?: CoverageReportBody;
}

const problem = (status: number, message: string, extra: Record<string, unknown> = {}): ApiReply => ({ status, body: { error: message, ...extra } });

export class CoverageApi {
  constructor(private readonly deps: { tokens: ApiTokenStore; gate: CoverageGate; log: IngressLog }) {}

  upload(authorization: string | undefined, body: unknown): Promise<ApiReply> {
    return this.guard(async () => {
      const who = await this.deps.tokens.authenticate(authorization);
      if (!who) return problem(401, 'a valid bearer token is required (Authorization: Bearer <token>)');
      if (!mayAct(who, 'upload')) return problem(403, `token ${who.name} (${who.role}) may not upload`);
      let input: CoverageUpload;
      try {
        input = validateBody(CoverageUpload, body, 'CoverageUpload');
      } catch (error) {
        if (error instanceof InvalidMessageError) return problem(400, 'invalid request body', { problems: error.problems });
        throw error;
      }
      if (!mayAct(who, 'upload', input.repo)) return problem(403, `token ${who.name} (${who.role}) may not upload on ${input.repo}`);
      if ((input.lineCoverage === undefined) === (input.report === undefined)) return problem(400, 'send either lineCoverage (percent) or report (the coverage file), not both and not neither');
      let lineCoverage = input.lineCoverage;
      let source = 'value';
      if (input.report) {
        const measured = measure(input.report);
        if ('error' in measured) return problem(400, measured.error);
        ({ lineCoverage, source } = measured);
      }
      const platform: Platform = input.platform ?? 'github';
      const decision = await this.deps.gate.report(platform, input.repo, input.headSha, lineCoverage!, source);
      return { status: 200, body: { platform, repo: input.repo, headSha: input.headSha, ...decision } };
    });
  }

  private async guard(fn: () => Promise<ApiReply>): Promise<ApiReply> {
    try {
      return await fn();
    } catch (error) {
      this.deps.log.error(`CI API coverage upload failed: ${describeError(error)}`);
      return problem(503, 'the coverage could not be recorded now; retry later');
    }
  }
}

/** Line coverage of a whole report, rounded to 0.001 %: covered over executable lines of every file. */
function measure(report: CoverageReportBody): { lineCoverage: number; source: string } | { error: string } {
  const text = report.encoding === 'base64' ? Buffer.from(report.content, 'base64').toString('utf8') : report.content;
  let parsed;
  try {
    parsed = parseCoverage(text, report.format);
  } catch (error) {
    return { error: `report could not be read as ${report.format ?? 'lcov, JaCoCo, Cobertura or xccov'}: ${describeError(error)}` };
  }
  let found = 0;
  let hit = 0;
  for (const f of parsed.files) {
    found += f.linesFound;
    hit += f.linesHit;
  }
  if (found === 0) return { error: `report (${parsed.format}) lists no executable lines; send lineCoverage instead, or the report of the test run` };
  return { lineCoverage: Math.round((hit / found) * 100_000) / 1000, source: parsed.format };
}
