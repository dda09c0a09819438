export {
  FINGERPRINT_VERSION,
  assignFingerprints,
  compareFindings,
  fingerprintOf,
  normaliseMessage,
  type FingerprintSubject,
} from './fingerprint';
export { isDeterministic, mergeFindings, type MergeOutcome } from './merge';
export { failsGate } from './gate';
