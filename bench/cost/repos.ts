/**
 * The company's two apps as git repositories, written in one `git fast-import` each: a base commit
 * of synthetic Swift / Objective-C and Kotlin / Java modules with their tests, and one branch per
 * pull request with a commit for its opening and one per later push. The agents read them as they
 * read any local checkout (`GitCheckoutReader`), so an incremental review diffs two real commits.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng, type AppLayout, type FileChange, type Platform, type PullRequestPlan } from './company';

const MODULES: Record<Platform, string[]> = {
  ios: ['Login', 'Feed', 'Profile', 'Payments', 'Settings', 'Search', 'Chat', 'Onboarding'],
  android: ['login', 'feed', 'profile', 'payments', 'settings', 'search', 'chat', 'onboarding'],
};
const NOUNS = [
  'Session',
  'Store',
  'Client',
  'ViewModel',
  'Repository',
  'Mapper',
  'Validator',
  'Formatter',
  'Cache',
  'Router',
  'Coordinator',
  'Service',
];
const FILES_PER_MODULE = 20;

type Language = 'swift' | 'objc' | 'kotlin' | 'java';

function languageOf(path: string): Language {
  if (path.endsWith('.swift')) return 'swift';
  if (path.endsWith('.m')) return 'objc';
  if (path.endsWith('.kt')) return 'kotlin';
  return 'java';
}

function typeName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/\.\w+$/, '');
}

/** The statement lines a change adds: ordinary code of the file's language. */
function statements(lang: Language, tag: string, n: number, rnd: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = `value${tag}${i}`;
    const k = Math.floor(rnd() * 5);
    if (lang === 'swift')
      out.push(
        [
          '        let ' + v + ' = items.filter { $0.isActive }.count',
          '        if ' + v + ' > limit { logger.debug("over limit") }',
          '        cache["' + v + '"] = ' + v,
          '        guard let ' + v + ' = store.first else { return }',
          '        total += ' + i,
        ][k],
      );
    else if (lang === 'objc')
      out.push(
        [
          '    NSInteger ' + v + ' = [self.items count];',
          '    if (' + v + ' > self.limit) { NSLog(@"over limit"); }',
          '    self.cache[@"' + v + '"] = @(' + v + ');',
          '    [self.delegate didUpdate:' + i + '];',
          '    self.total += ' + i + ';',
        ][k],
      );
    else if (lang === 'kotlin')
      out.push(
        [
          '        val ' + v + ' = items.count { it.isActive }',
          '        if (' + v + ' > limit) logger.debug("over limit")',
          '        cache["' + v + '"] = ' + v,
          '        val ' + v + 'First = store.firstOrNull() ?: return',
          '        total += ' + i,
        ][k],
      );
    else
      out.push(
        [
          '        int ' + v + ' = items.size();',
          '        if (' + v + ' > limit) { logger.debug("over limit"); }',
          '        cache.put("' + v + '", ' + v + ');',
          '        listener.onUpdate(' + i + ');',
          '        total += ' + i + ';',
        ][k],
      );
  }
  return out;
}

/** A source or test file of about 60 to 140 lines. */
function baseFile(path: string, rnd: () => number): string[] {
  const lang = languageOf(path);
  const name = typeName(path);
  const functions = 4 + Math.floor(rnd() * 6);
  const lines: string[] = [];
  const isTest = /Tests?\.(swift|kt|java|m)$/.test(path);
  if (lang === 'swift') {
    lines.push(
      isTest ? 'import XCTest' : 'import Foundation',
      '',
      isTest ? `final class ${name}: XCTestCase {` : `final class ${name} {`,
      '    private var items: [Item] = []',
      '    private var cache: [String: Int] = [:]',
      '    private let limit = 50',
      '',
    );
    for (let f = 0; f < functions; f++)
      lines.push(
        isTest ? `    func test${f}Behaviour() {` : `    func step${f}(input: Int) -> Int {`,
        ...statements(lang, `b${f}`, 3 + Math.floor(rnd() * 8), rnd),
        isTest ? '        XCTAssertTrue(true)' : '        return input',
        '    }',
        '',
      );
  } else if (lang === 'objc') {
    lines.push(`#import "${name}.h"`, '', `@implementation ${name}`, '');
    for (let f = 0; f < functions; f++)
      lines.push(
        `- (NSInteger)step${f}:(NSInteger)input {`,
        ...statements(lang, `b${f}`, 3 + Math.floor(rnd() * 8), rnd),
        '    return input;',
        '}',
        '',
      );
  } else if (lang === 'kotlin') {
    lines.push(
      `package com.acme.${path.split('/').slice(-2, -1)[0]}`,
      '',
      isTest ? 'import org.junit.Test' : 'import javax.inject.Inject',
      '',
      isTest ? `class ${name} {` : `class ${name} @Inject constructor(private val logger: Logger) {`,
      '    private val cache = mutableMapOf<String, Int>()',
      '    private val limit = 50',
      '',
    );
    for (let f = 0; f < functions; f++)
      lines.push(
        isTest ? '    @Test' : '',
        isTest ? `    fun step${f}Behaviour() {` : `    fun step${f}(input: Int): Int {`,
        ...statements(lang, `b${f}`, 3 + Math.floor(rnd() * 8), rnd),
        isTest ? '        assert(true)' : '        return input',
        '    }',
        '',
      );
  } else {
    lines.push(
      `package com.acme.${path.split('/').slice(-2, -1)[0]};`,
      '',
      `public final class ${name} {`,
      '    private final java.util.Map<String, Integer> cache = new java.util.HashMap<>();',
      '    private final int limit = 50;',
      '',
    );
    for (let f = 0; f < functions; f++)
      lines.push(
        `    public int step${f}(int input) {`,
        ...statements(lang, `b${f}`, 3 + Math.floor(rnd() * 8), rnd),
        '        return input;',
        '    }',
        '',
      );
  }
  lines.push('}', '');
  return lines;
}

export function appLayout(platform: Platform, rnd: () => number): AppLayout {
  const sources: string[] = [];
  const tests: string[] = [];
  for (const module of MODULES[platform]) {
    for (let i = 0; i < FILES_PER_MODULE; i++) {
      const noun = `${module[0].toUpperCase()}${module.slice(1)}${NOUNS[i % NOUNS.length]}${i >= NOUNS.length ? i : ''}`;
      const secondary = rnd() < 0.15;
      if (platform === 'ios') {
        sources.push(secondary ? `App/Legacy/${module}/${noun}.m` : `App/${module}/${noun}.swift`);
        if (i % 2 === 0) tests.push(`AppTests/${module}/${noun}Tests.swift`);
      } else {
        sources.push(`app/src/main/java/com/acme/${module}/${noun}.${secondary ? 'java' : 'kt'}`);
        if (i % 2 === 0) tests.push(`app/src/test/java/com/acme/${module}/${noun}Test.kt`);
      }
    }
  }
  return { platform, sources, tests };
}

export interface BuiltRepo {
  root: string;
  baseSha: string;
  /** Per pull request: the commit it opened at, then one per push. */
  heads: Map<number, string[]>;
  lines: number;
}

function git(root: string, args: string[], input?: Buffer): string {
  const r = spawnSync('git', ['-C', root, ...args], { input, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ${args[0]} failed in ${root}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Writes the app and every pull request of `prs` on it; returns the commit ids. */
export function buildRepo(root: string, layout: AppLayout, prs: PullRequestPlan[], seed: number): BuiltRepo {
  mkdirSync(root, { recursive: true });
  git(root, ['init', '-q', '-b', 'main']);
  const rnd = prng(seed);
  const chunks: Buffer[] = [];
  let mark = 0;
  const data = (text: string) => {
    const bytes = Buffer.from(text);
    chunks.push(Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n'));
  };
  const blob = (text: string): number => {
    mark++;
    chunks.push(Buffer.from(`blob\nmark :${mark}\n`));
    data(text);
    return mark;
  };
  const commit = (
    ref: string,
    message: string,
    files: Array<[string, number]>,
    from?: number,
    time = 1_767_225_600,
  ): number => {
    const blobs = files;
    mark++;
    chunks.push(
      Buffer.from(`commit ${ref}\nmark :${mark}\ncommitter Bench <bench@agentflow.invalid> ${time} +0000\n`),
    );
    data(message);
    if (from !== undefined) chunks.push(Buffer.from(`from :${from}\n`));
    for (const [path, m] of blobs) chunks.push(Buffer.from(`M 100644 :${m} ${path}\n`));
    chunks.push(Buffer.from('\n'));
    return mark;
  };

  const base = new Map<string, string[]>();
  let lines = 0;
  for (const path of [...layout.sources, ...layout.tests]) {
    const content = baseFile(path, rnd);
    base.set(path, content);
    lines += content.length;
  }
  const baseMark = commit(
    'refs/heads/main',
    'The app as it is on main\n',
    [...base].map(([path, content]) => [path, blob(content.join('\n'))]),
  );

  const marks = new Map<number, number[]>();
  for (const pr of prs) {
    const files = new Map<string, string[]>();
    const apply = (changes: FileChange[], tag: string): Array<[string, number]> =>
      changes.map((c) => {
        const current = [...(files.get(c.path) ?? base.get(c.path)!)];
        const lang = languageOf(c.path);
        // Inside a function body: after the first statement of a random function.
        const anchors = current
          .map((l, i) => (/^\s+(func |fun |- \(|public int )/.test(l) ? i + 1 : -1))
          .filter((i) => i > 0);
        const at = anchors.length ? anchors[Math.floor(rnd() * anchors.length)] + 1 : current.length - 2;
        current.splice(at, 0, ...statements(lang, tag, c.lines, rnd));
        files.set(c.path, current);
        return [c.path, blob(current.join('\n'))];
      });
    const time = 1_767_225_600 + pr.day * 86_400;
    const opened = commit(
      `refs/heads/pr-${pr.number}`,
      `PR ${pr.number}\n`,
      apply(pr.opened, `p${pr.number}o`),
      baseMark,
      time,
    );
    const heads = [opened];
    pr.pushes.forEach((push, i) =>
      heads.push(
        commit(
          `refs/heads/pr-${pr.number}`,
          `PR ${pr.number} push ${i + 1}\n`,
          apply(push.files, `p${pr.number}s${i}`),
          undefined,
          time + (i + 1) * 3600,
        ),
      ),
    );
    marks.set(pr.number, heads);
  }
  chunks.push(Buffer.from('done\n'));
  const marksFile = join(root, '.git', 'bench-marks');
  git(root, ['fast-import', '--quiet', '--done', `--export-marks=${marksFile}`], Buffer.concat(chunks));
  const shaOf = new Map(
    readFileSync(marksFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [m, sha] = l.split(' ');
        return [Number(m.slice(1)), sha] as const;
      }),
  );
  const heads = new Map([...marks].map(([pr, ms]) => [pr, ms.map((m) => shaOf.get(m)!)]));
  return { root, baseSha: shaOf.get(baseMark)!, heads, lines };
}
