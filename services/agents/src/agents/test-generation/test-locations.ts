/**
 * Where the project's conventions put the test of a source file: SwiftPM `Tests/<Module>Tests/`,
 * an Xcode app's `<App>Tests/`, Gradle's `src/test/kotlin|java/<package path>/`.
 */
import { isTestPath, languageOf } from '@agentflow/mobile';
import type { ProjectFacts } from '../../analysis/project-facts';

export function testPathFor(sourcePath: string): string {
  const name = sourcePath.split('/').pop() ?? sourcePath;
  const stem = name.replace(/\.[^.]+$/, '');
  const ext = name.slice(stem.length + 1);
  const gradle =
    /^(.*?)src\/main\/(kotlin|java)\/(.*)\/[^/]+$/.exec(sourcePath) ??
    /^(.*?)src\/main\/(kotlin|java)\/()[^/]+$/.exec(sourcePath);
  if (gradle) {
    const [, module, dir, pkg] = gradle;
    return `${module}src/test/${dir}/${pkg ? `${pkg}/` : ''}${stem}Test.${ext}`;
  }
  const spm = /^(.*?)Sources\/([^/]+)\/(.*\/)?[^/]+$/.exec(sourcePath);
  if (spm) {
    const [, root, module, sub] = spm;
    return `${root}Tests/${module}Tests/${sub ?? ''}${stem}Tests.${ext}`;
  }
  const app = /^([^/]+)\/(.*\/)?[^/]+$/.exec(sourcePath);
  if (app) return `${app[1]}Tests/${app[2] ?? ''}${stem}Tests.${ext}`;
  return `Tests/${stem}Tests.${ext}`;
}

/** The framework to write tests in, from what the project already uses. */
export function frameworkFor(path: string, facts: ProjectFacts): string {
  const language = languageOf(path);
  const has = (f: string) => facts.testFrameworks.includes(f);
  if (language === 'swift')
    return has('Swift Testing') || (!has('XCTest') && Number.parseFloat(facts.swiftToolsVersion ?? '0') >= 6)
      ? 'Swift Testing (import Testing, @Test, #expect)'
      : 'XCTest';
  if (language === 'kotlin')
    return `${has('JUnit 4') && !has('JUnit 5') ? 'JUnit 4' : 'JUnit 5'}${has('Mockito') && !has('MockK') ? ' + Mockito' : ' + MockK'}`;
  if (language === 'java') return has('JUnit 5') ? 'JUnit 5' : 'JUnit 4';
  return 'XCTest';
}

/** Why a proposed test file is not where the project keeps tests, or null when it is. */
export function testFileProblem(path: string): string | null {
  if (!languageOf(path)) return `${path} is not Swift, Objective-C, Kotlin or Java`;
  if (!isTestPath(path)) return `${path} is not in a test folder`;
  return null;
}
