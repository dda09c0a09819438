import { describeSamples, readSample } from '../testing/samples';
import { readPackageResolved } from './package-resolved';
import { readPodfile } from './podfile';
import { readPodfileLock } from './podfile-lock';
import { readVersionCatalog } from './version-catalog';

describe('dependency readers (own fixtures)', () => {
  it('reads Package.resolved v1 with branch pins', () => {
    const v1 = readPackageResolved(
      JSON.stringify(
        {
          object: {
            pins: [
              {
                package: 'Alamofire',
                repositoryURL: 'https://github.com/Alamofire/Alamofire.git',
                state: { branch: 'master', revision: 'abc', version: null },
              },
            ],
          },
          version: 1,
        },
        null,
        2,
      ),
    );
    expect(v1.pins).toEqual([
      {
        name: 'alamofire',
        version: '',
        branch: 'master',
        source: 'https://github.com/Alamofire/Alamofire.git',
        line: 6,
      },
    ]);
  });

  it('reads a Podfile.lock with external sources and checkout options', () => {
    const lock = readPodfileLock(`PODS:
  - Alamofire (5.9.1)
  - Firebase/Core (10.29.0):
    - FirebaseAnalytics (~> 10.29.0)
  - ShopKit (0.1.0)

DEPENDENCIES:
  - Alamofire (~> 5.9)
  - ShopKit (from \`https://github.com/acme/ShopKit.git\`, branch \`develop\`)

SPEC REPOS:
  trunk:
    - Alamofire
  https://github.com/acme/Specs.git:
    - Firebase

EXTERNAL SOURCES:
  ShopKit:
    :branch: develop
    :git: https://github.com/acme/ShopKit.git

CHECKOUT OPTIONS:
  ShopKit:
    :commit: 0f1e2d3c
    :git: https://github.com/acme/ShopKit.git

COCOAPODS: 1.15.2
`);
    expect(lock.pins).toEqual([
      { name: 'Alamofire', version: '5.9.1', line: 2 },
      { name: 'Firebase', version: '10.29.0', line: 3 },
      {
        name: 'ShopKit',
        version: '0.1.0',
        line: 5,
        branch: 'develop',
        source: 'https://github.com/acme/ShopKit.git',
      },
    ]);
    expect(lock.repositories.map((r) => r.url)).toEqual(['trunk', 'https://github.com/acme/Specs.git']);
  });

  it('reads a Podfile: pods, branch options, sources and the platform', () => {
    const podfile = readPodfile(
      `source 'https://cdn.cocoapods.org/'\nplatform :ios, '15.0'\n\ntarget 'Shop' do\n  pod 'Alamofire', '~> 5.9'\n  pod 'ShopKit', :git => 'https://github.com/acme/ShopKit.git', :branch => 'develop'\nend\n`,
    );
    expect(podfile.pins).toEqual([
      { name: 'Alamofire', version: '~> 5.9', line: 5 },
      {
        name: 'ShopKit',
        version: '',
        branch: 'develop',
        source: 'https://github.com/acme/ShopKit.git',
        line: 6,
      },
    ]);
    expect(podfile.platforms).toEqual([{ platform: 'iOS', version: '15.0', line: 2 }]);
    expect(podfile.repositories).toEqual([{ url: 'https://cdn.cocoapods.org/', line: 1 }]);
  });

  it('reads a version catalog with references, inline versions and plugins', () => {
    const catalog = readVersionCatalog(
      `[versions]\nokhttp = "4.12.0"\n\n[libraries]\nokhttp = { module = "com.squareup.okhttp3:okhttp", version.ref = "okhttp" }\ntimber = "com.jakewharton.timber:timber:5.0.1"\nbom = { group = "androidx.compose", name = "compose-bom", version = "2024.12.01" }\n\n[plugins]\nksp = { id = "com.google.devtools.ksp", version = "2.1.0-1.0.29" }\n`,
    );
    expect(catalog.pins).toEqual([
      { name: 'com.squareup.okhttp3:okhttp', version: '4.12.0', line: 5 },
      { name: 'com.jakewharton.timber:timber', version: '5.0.1', line: 6 },
      { name: 'androidx.compose:compose-bom', version: '2024.12.01', line: 7 },
      { name: 'plugin:com.google.devtools.ksp', version: '2.1.0-1.0.29', line: 10 },
    ]);
  });
});

describeSamples('dependency readers', () => {
  it('reads Package.resolved format 3', () => {
    const file = readPackageResolved(readSample('Package.resolved'));
    expect(file.pins).toHaveLength(17);
    expect(file.pins.every((p) => p.version && p.source?.startsWith('https://') && p.line > 0)).toBe(true);
    expect(file.pins.map((p) => p.name)).toContain('swift-case-paths');
  });

  it('reads Package.resolved format 2', () => {
    const file = readPackageResolved(readSample('Package-v2.resolved'));
    expect(file.pins).toHaveLength(12);
    expect(file.pins.some((p) => p.branch)).toBe(false);
  });

  it('reads the real Podfile.lock with subspecs and quoted names', () => {
    const lock = readPodfileLock(readSample('Podfile.lock'));
    const names = lock.pins.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['AppAuth', 'FirebaseAnalytics', 'GoogleUtilities']));
    expect(new Set(names).size).toBe(names.length);
    expect(lock.pins.find((p) => p.name === 'AppAuth')).toMatchObject({ version: '2.0.0', line: 2 });
    expect(lock.repositories.map((r) => r.url)).toEqual(['trunk']);
  });

  it('reads the real nowinandroid version catalog', () => {
    const catalog = readVersionCatalog(readSample('libs.versions.toml'));
    expect(catalog.versions.androidGradlePlugin).toBe('9.0.0');
    const activity = catalog.pins.find((p) => p.name === 'androidx.activity:activity-compose');
    expect(activity).toMatchObject({ version: '1.9.3' });
    expect(activity!.line).toBeGreaterThan(71);
    expect(catalog.pins.find((p) => p.name === 'plugin:com.android.application')).toMatchObject({
      version: '9.0.0',
    });
    expect(catalog.pins.every((p) => p.line > 0)).toBe(true);
  });
});
