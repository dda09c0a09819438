/** Request bodies of the CI API, validated with class-validator at the edge. */
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MAX_PR_NUMBER } from '../events/read';
import { API_ROLES, type ApiRole } from './api-tokens';

export class ArtifactUpload {
  /** File name, unique per run (`coverage.xml`, `swiftlint.sarif`); `.` and `..` are not names. */
  @IsString()
  @Matches(/^(?!\.{1,2}$)[\w.@-]{1,128}$/, {
    message:
      'name must be a file name of 1 to 128 letters, digits, "_", ".", "@" and "-", and not "." or ".."',
  })
  name!: string;
  @IsIn(['coverage', 'sarif', 'other']) kind!: 'coverage' | 'sarif' | 'other';
  /** The file's content: text, or base64 with `encoding: base64`. */
  @IsString() content!: string;
  /** @default utf8 */
  @IsOptional() @IsIn(['utf8', 'base64']) encoding?: 'utf8' | 'base64';
}

export class StartRunRequest {
  /** Workflow id (file name without extension). */
  @IsString() @MinLength(1) @MaxLength(200) workflow!: string;
  /** @default github */
  @IsOptional() @IsIn(['github', 'gitlab']) platform?: 'github' | 'gitlab';
  @IsString() @Matches(/^[\w.-]+(\/[\w.-]+)+$/) repo!: string;
  /** PR / MR number; the `runs.pr` column is a PostgreSQL integer. */
  @IsOptional() @IsInt() @Min(1) @Max(MAX_PR_NUMBER) pr?: number;
  @IsString() @Matches(/^[0-9a-f]{7,64}$/i) headSha!: string;
  @IsOptional() @IsString() @Matches(/^[0-9a-f]{7,64}$/i) baseSha?: string;
  @IsOptional() @IsString() @MaxLength(255) headRef?: string;
  @IsOptional() @IsString() @MaxLength(255) baseRef?: string;
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) installationId?: number;
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) projectId?: number;
  /** Line coverage of the head in percent, for `test_coverage` conditions. */
  @IsOptional() @IsNumber() @Min(0) @Max(100) coverage?: number;
  /** Idempotency key: the same key starts the same run once. @default a new id per call */
  @IsOptional() @IsString() @Matches(/^[\w.:-]{1,128}$/) requestId?: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ArtifactUpload)
  artifacts?: ArtifactUpload[];
}

export class CreateTokenRequest {
  @IsString() @MinLength(1) @MaxLength(100) name!: string;
  @IsIn(API_ROLES) role!: ApiRole;
  @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(255, { each: true }) repos!: string[];
}
