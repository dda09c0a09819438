import { readdirSync } from 'node:fs';
import { PROVIDER_KIND_NAMES } from '@agentflow/contracts';

/** Folders under providers/ that have no manifest entry, and registered kinds that have no folder. */
function folderMismatch(
  folders: readonly string[],
  kinds: readonly string[],
): { unregistered: string[]; missing: string[] } {
  return {
    unregistered: folders.filter((f) => !kinds.includes(f)),
    missing: kinds.filter((k) => !folders.includes(k)),
  };
}

describe('provider folders and the vendor registry list', () => {
  const folders = readdirSync(__dirname, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

  it('has one folder per registered kind and no unregistered folder', () => {
    expect(folderMismatch(folders, PROVIDER_KIND_NAMES)).toEqual({ unregistered: [], missing: [] });
  });

  it('would report a folder left out of the list and a kind without a folder', () => {
    expect(
      folderMismatch(
        [...folders, 'mistral'],
        PROVIDER_KIND_NAMES.filter((k) => k !== 'cursor'),
      ),
    ).toEqual({ unregistered: ['cursor', 'mistral'], missing: [] });
    expect(
      folderMismatch(
        folders.filter((f) => f !== 'openai'),
        PROVIDER_KIND_NAMES,
      ),
    ).toEqual({ unregistered: [], missing: ['openai'] });
  });
});
