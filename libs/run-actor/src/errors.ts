import { PermanentError } from '@agentflow/contracts';

/** A stored run state has a schema version this coordinator cannot read. Deploy the newer coordinator to every replica. */
export class UnsupportedStateVersionError extends PermanentError {
  override readonly code = 'run_state_version';
  constructor(readonly found: unknown) {
    super(
      `run state schema version ${JSON.stringify(found)} is not readable by this coordinator; roll out the coordinator that wrote it to every replica`,
    );
  }
}
