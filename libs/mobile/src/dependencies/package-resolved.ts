import { ReportParseError } from '../coverage/errors';
import { lineOfText } from './line-finder';
import type { DependencyFile } from './types';

interface PinState {
  version?: string | null;
  branch?: string | null;
  revision?: string;
}

/**
 * Reads SwiftPM's `Package.resolved`, format 1 (`object.pins[].repositoryURL`) and formats 2 and 3
 * (`pins[].identity/location`, v3 adds `originHash`).
 */
export function readPackageResolved(text: string): DependencyFile {
  let doc: { version?: number; pins?: unknown[]; object?: { pins?: unknown[] } };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (error) {
    throw new ReportParseError(
      `Package.resolved is not JSON (${error instanceof Error ? error.message : String(error)}): resolve merge conflicts and run \`swift package resolve\``,
    );
  }
  const raw = (doc.pins ?? doc.object?.pins ?? []) as Array<{
    identity?: string;
    package?: string;
    location?: string;
    repositoryURL?: string;
    state?: PinState;
  }>;
  const pins = raw.map((p) => {
    const location = p.location ?? p.repositoryURL ?? '';
    const name = (
      p.identity ??
      p.package ??
      location
        .replace(/\.git$/, '')
        .split('/')
        .pop() ??
      ''
    ).toLowerCase();
    return {
      name,
      version: p.state?.version ?? '',
      ...(p.state?.branch ? { branch: p.state.branch } : {}),
      source: location,
      line: lineOfText(text, `"${location}"`) || lineOfText(text, `"${p.identity ?? p.package}"`),
    };
  });
  return { pins, repositories: [] };
}
