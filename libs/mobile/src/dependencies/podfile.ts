import type { DependencyFile, DependencyPin } from './types';

/** Reads a `Podfile`: `pod` lines with versions, `:git`/`:branch` options, `source` lines and `platform :ios`. */
export function readPodfile(
  text: string,
): DependencyFile & { platforms: Array<{ platform: string; version: string; line: number }> } {
  const pins: DependencyPin[] = [];
  const repositories: DependencyFile['repositories'] = [];
  const platforms: Array<{ platform: string; version: string; line: number }> = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '');
    const pod = /^\s*pod\s+['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"])?(.*)$/.exec(line);
    if (pod) {
      const options = pod[3] ?? '';
      const branch = /:branch\s*=>\s*['"]([^'"]+)['"]|branch:\s*['"]([^'"]+)['"]/.exec(options);
      const git = /:git\s*=>\s*['"]([^'"]+)['"]|git:\s*['"]([^'"]+)['"]/.exec(options);
      pins.push({
        name: pod[1]!.split('/')[0]!,
        version: pod[2] ?? '',
        ...(branch ? { branch: branch[1] ?? branch[2]! } : {}),
        ...(git ? { source: git[1] ?? git[2]! } : {}),
        line: index + 1,
      });
    }
    const source = /^\s*source\s+['"]([^'"]+)['"]/.exec(line);
    if (source) repositories.push({ url: source[1]!, line: index + 1 });
    const platform = /^\s*platform\s+:(\w+)\s*,\s*['"]([^'"]+)['"]/.exec(line);
    if (platform)
      platforms.push({
        platform: platform[1] === 'ios' ? 'iOS' : platform[1]!,
        version: platform[2]!,
        line: index + 1,
      });
  });
  return { pins, repositories, platforms };
}
