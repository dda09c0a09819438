import {
  PROVIDER_KIND_NAMES,
  VENDOR_KINDS,
  isProviderKind,
  vendorCan,
  vendorKindsSpeaking,
  vendorKindsWith,
  vendorManifestOf,
  vendorWire,
  type ProviderKind,
  type VendorManifest,
} from './index';

/** The rules every manifest keeps; each returns what is wrong with one manifest, if anything. */
function manifestProblems(m: VendorManifest): string[] {
  const c = m.capabilities;
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]*$/.test(m.kind))
    problems.push(`${m.kind}: a kind is lower-case words joined by dashes`);
  if (c.chat === c.job) problems.push(`${m.kind}: a kind is either a chat kind or a job kind`);
  if (c.pooled && !c.chat) problems.push(`${m.kind}: pooled needs chat (the pool replaces a chat client)`);
  if (c.stream && !c.chat) problems.push(`${m.kind}: stream needs chat`);
  if (c.batch && !c.chat) problems.push(`${m.kind}: batch needs chat (a Batch API rides on a chat provider)`);
  if ((m.wire === 'job') !== c.job)
    problems.push(`${m.kind}: the job wire is for job kinds, and only for them`);
  if (c.offByDefault && !c.job)
    problems.push(`${m.kind}: offByDefault is read by the job policy only, so it needs job`);
  return problems;
}

describe('VENDOR_KINDS', () => {
  it('names every kind once', () => {
    const kinds = VENDOR_KINDS.map((m) => m.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(PROVIDER_KIND_NAMES).toEqual(kinds);
  });

  it('has consistent capabilities in every manifest', () => {
    expect(VENDOR_KINDS.flatMap((m) => manifestProblems(m))).toEqual([]);
  });

  it('catches an inconsistent manifest', () => {
    const bad: VendorManifest = {
      kind: 'Pool_Only',
      wire: 'job',
      capabilities: { chat: false, stream: false, batch: true, job: false, pooled: true, offByDefault: true },
    };
    expect(manifestProblems(bad)).toEqual([
      'Pool_Only: a kind is lower-case words joined by dashes',
      'Pool_Only: a kind is either a chat kind or a job kind',
      'Pool_Only: pooled needs chat (the pool replaces a chat client)',
      'Pool_Only: batch needs chat (a Batch API rides on a chat provider)',
      'Pool_Only: the job wire is for job kinds, and only for them',
      'Pool_Only: offByDefault is read by the job policy only, so it needs job',
    ]);
  });

  it('answers capability lookups from the manifests', () => {
    expect(vendorKindsWith('batch')).toEqual(['anthropic', 'openai']);
    expect(vendorKindsWith('job')).toEqual(['cursor', 'http-job']);
    expect(vendorKindsWith('offByDefault')).toEqual(['cursor', 'http-job']);
    expect(vendorKindsWith('pooled')).toEqual(['anthropic', 'openai', 'openai-compatible']);
    expect(vendorCan('anthropic-bedrock', 'batch')).toBe(false);
    expect(vendorCan('no-such-vendor', 'chat')).toBe(false);
    expect(vendorManifestOf('http-job')?.capabilities.job).toBe(true);
    expect(vendorManifestOf('no-such-vendor')).toBeUndefined();
    expect(isProviderKind('azure-openai')).toBe(true);
    expect(isProviderKind('azure')).toBe(false);
    expect(vendorKindsSpeaking('anthropic')).toEqual(['anthropic', 'anthropic-bedrock', 'anthropic-vertex']);
    expect(vendorKindsSpeaking('openai')).toEqual(['openai', 'openai-compatible', 'azure-openai']);
    expect(vendorWire('cursor')).toBe('job');
    expect(vendorWire('no-such-vendor')).toBeUndefined();
  });

  it('derives ProviderKind from the list', () => {
    const kind: ProviderKind = VENDOR_KINDS[0].kind;
    // @ts-expect-error a string outside the list is not a ProviderKind
    const wrong: ProviderKind = 'not-a-kind';
    expect([kind, wrong]).toEqual(['anthropic', 'not-a-kind']);
  });
});
