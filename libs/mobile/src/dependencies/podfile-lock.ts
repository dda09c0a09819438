import { lineOfText } from './line-finder';
import type { DependencyFile, DependencyPin } from './types';

/**
 * Reads CocoaPods' `Podfile.lock`: top-level pods with versions from `PODS`, sources from
 * `SPEC REPOS` and `EXTERNAL SOURCES`, and branches from `EXTERNAL SOURCES` / `CHECKOUT OPTIONS`.
 * Subspecs (`Firebase/Core`) fold into their pod.
 */
export function readPodfileLock(text: string): DependencyFile {
  const lines = text.split(/\r?\n/);
  const pins = new Map<string, DependencyPin>();
  const repositories: DependencyFile['repositories'] = [];
  let section = '';
  let currentExternal: string | undefined;
  lines.forEach((raw, index) => {
    if (/^\S.*:\s*$/.test(raw)) {
      section = raw.replace(/:\s*$/, '');
      currentExternal = undefined;
      return;
    }
    if (section === 'PODS') {
      const m = /^ {2}- "?([^\s"(]+) \(([^)]+)\)"?:?\s*$/.exec(raw);
      if (!m) return;
      const pod = m[1]!.split('/')[0]!;
      if (!pins.has(pod)) pins.set(pod, { name: pod, version: m[2]!, line: index + 1 });
    } else if (section === 'SPEC REPOS') {
      const m = /^ {2}"?(\S.*?)"?:\s*$/.exec(raw);
      if (m) repositories.push({ url: m[1]!.trim(), line: index + 1 });
    } else if (section === 'EXTERNAL SOURCES' || section === 'CHECKOUT OPTIONS') {
      const head = /^ {2}"?([^":]+)"?:\s*$/.exec(raw);
      if (head) {
        currentExternal = head[1]!.split('/')[0]!.trim();
        return;
      }
      const option = /^ {4}:(\w+):\s*"?([^"]+)"?\s*$/.exec(raw);
      if (!option || !currentExternal) return;
      const pin = pins.get(currentExternal) ?? { name: currentExternal, version: '', line: index + 1 };
      if (option[1] === 'git' || option[1] === 'path' || option[1] === 'podspec') pin.source = option[2]!;
      if (option[1] === 'branch') pin.branch = option[2]!;
      pins.set(currentExternal, pin);
    }
  });
  return {
    pins: [...pins.values()].map((p) => ({ ...p, line: p.line || lineOfText(text, p.name) })),
    repositories,
  };
}
