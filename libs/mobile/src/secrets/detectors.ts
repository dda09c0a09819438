import { CLOUD_KEY_DETECTORS } from './cloud-keys';
import type { SecretDetector } from './detector';
import { GENERIC_CREDENTIAL_DETECTOR } from './generic-credential';
import { KEY_MATERIAL_DETECTORS } from './key-material';
import { STRUCTURED_DETECTORS } from './structured';
import { VENDOR_TOKEN_DETECTORS } from './vendor-tokens';

export type { Candidate, DetectorContext, ScanPurpose, SecretDetector } from './detector';

/**
 * Every detector, most specific first: a span claimed by an earlier detector is not reported again
 * (a GitHub `ghs_..._eyJ...` token before the JWT rule, a JWT before the `Authorization` rule, key
 * files and vendor formats before the generic `name = "value"` rule, which comes last).
 */
export const SECRET_DETECTORS: readonly SecretDetector[] = [
  ...KEY_MATERIAL_DETECTORS.filter((d) => d.ruleId === 'secret.key-container-file'),
  CLOUD_KEY_DETECTORS.find((d) => d.ruleId === 'secret.gcp-service-account-key')!,
  ...KEY_MATERIAL_DETECTORS.filter((d) => d.ruleId !== 'secret.key-container-file'),
  ...VENDOR_TOKEN_DETECTORS,
  ...STRUCTURED_DETECTORS,
  ...CLOUD_KEY_DETECTORS.filter((d) => d.ruleId !== 'secret.gcp-service-account-key'),
  GENERIC_CREDENTIAL_DETECTOR,
];
