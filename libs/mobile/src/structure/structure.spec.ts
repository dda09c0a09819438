import { join } from 'node:path';
import { directoryReader, memoryReader } from '../repo/repo-reader';
import { describeSamples, readSample } from '../testing/samples';
import { readGradleBuild, readGradleSettings } from './gradle';
import { parseOpenStepPlist, PlistParseError } from './openstep-plist';
import { readProjectStructure } from './project-structure';
import { readPackageSwift } from './swiftpm';
import { TestMap } from './test-mapping';
import { readPbxproj, readXcconfig } from './xcode';

const EXAMPLES = join(__dirname, '..', '..', '..', '..', 'examples');

describe('readPackageSwift', () => {
  const manifest = readPackageSwift(`// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "ShopKit",
    platforms: [.iOS(.v15), .macOS("13.0"), .watchOS(.v9_4)],
    products: [.library(name: "ShopKit", targets: ["ShopKit"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing", exact: "1.17.0"),
        .package(url: "https://github.com/acme/analytics.git", branch: "main"),
        .package(url: "https://github.com/acme/legacy.git", "1.0.0"..<"2.0.0"),
        .package(path: "../Core"),
    ],
    targets: [
        .target(
            name: "ShopKit",
            dependencies: [
                "Networking",
                .product(name: "Collections", package: "swift-collections"),
                .target(name: "Models"),
            ],
            resources: [.process("Resources")]
        ),
        .target(name: "Networking", path: "Sources/Net"),
        .target(name: "Models"),
        // .target(name: "Disabled"),
        .testTarget(name: "ShopKitTests", dependencies: ["ShopKit", .product(name: "SnapshotTesting", package: "swift-snapshot-testing")]),
    ]
)
`);

  it('reads the name and platforms', () => {
    expect(manifest.name).toBe('ShopKit');
    expect(manifest.platforms.map((p) => [p.platform, p.version])).toEqual([
      ['iOS', '15.0'],
      ['macOS', '13.0'],
      ['watchOS', '9.4'],
    ]);
  });

  it('reads every dependency requirement', () => {
    expect(manifest.dependencies.map((d) => [d.requirement, d.value])).toEqual([
      ['from', '1.1.0'],
      ['exact', '1.17.0'],
      ['branch', 'main'],
      ['range', '1.0.0..<2.0.0'],
      ['path', '../Core'],
    ]);
  });

  it('reads targets, their dependencies and default paths, not references or comments', () => {
    expect(manifest.targets.map((t) => [t.name, t.kind, t.path, t.dependencies])).toEqual([
      ['ShopKit', 'target', 'Sources/ShopKit', ['Networking', 'Collections', 'Models']],
      ['Networking', 'target', 'Sources/Net', []],
      ['Models', 'target', 'Sources/Models', []],
      ['ShopKitTests', 'testTarget', 'Tests/ShopKitTests', ['ShopKit', 'SnapshotTesting']],
    ]);
  });
});

describe('Gradle', () => {
  it('reads settings includes in every form', () => {
    const settings = readGradleSettings(
      `rootProject.name = "Shop"\ninclude(":app")\ninclude(\n    ":core:data",\n    ":core:ui",\n)\ninclude ':legacy', 'feature'\n// include(":disabled")\nincludeBuild("build-logic")\n`,
    );
    expect(settings).toEqual({
      modules: [':app', ':core:data', ':core:ui', ':legacy', ':feature'],
      includedBuilds: ['build-logic'],
      rootProjectName: 'Shop',
    });
  });

  it('reads a Groovy build script', () => {
    const build = readGradleBuild(
      `apply plugin: 'com.android.library'\nandroid {\n    defaultConfig {\n        minSdkVersion 21\n        targetSdkVersion 34\n    }\n}\nrepositories {\n    maven { url 'https://repo.acme.com/maven' }\n}\ndependencies {\n    implementation project(':core')\n    api 'com.squareup.retrofit2:retrofit:2.11.0'\n}\n`,
    );
    expect(build.plugins).toEqual(['com.android.library']);
    expect(build.minSdk).toEqual({ value: '21', line: 4 });
    expect(build.projectDependencies).toEqual([':core']);
    expect(build.dependencies).toEqual([
      { configuration: 'api', notation: 'com.squareup.retrofit2:retrofit:2.11.0', line: 13 },
    ]);
    expect(build.repositories).toEqual([{ url: 'https://repo.acme.com/maven', line: 9 }]);
  });

  it('reads a Kotlin script with catalog references and type-safe project accessors', () => {
    const build = readGradleBuild(
      `plugins {\n    alias(libs.plugins.android.application)\n}\nandroid {\n    defaultConfig {\n        minSdk = libs.versions.minSdk.get().toInt()\n    }\n}\ndependencies {\n    implementation(projects.core.dataStore)\n    implementation(libs.okhttp)\n}\n`,
    );
    expect(build.plugins).toEqual(['libs.plugins.android.application']);
    expect(build.minSdk?.value).toBe('libs.versions.minSdk');
    expect(build.projectDependencies).toEqual([':core:data-store']);
  });
});

describe('Xcode project files', () => {
  it('parses OpenStep property lists and rejects a conflicted one with its line', () => {
    expect(parseOpenStepPlist('{ a = (1, "two", three/four); b = { c = "d\\"e"; }; }')).toEqual({
      a: ['1', 'two', 'three/four'],
      b: { c: 'd"e' },
    });
    expect(() => parseOpenStepPlist('{\n a = 1;\n<<<<<<< HEAD\n}')).toThrow(/line 3/);
    expect(() => parseOpenStepPlist('{ a = 1 }')).toThrow(PlistParseError);
  });

  it('reads .xcconfig settings with lines', () => {
    expect(
      readXcconfig(
        '// base\n#include "Base.xcconfig"\nSWIFT_VERSION = 5.0\nOTHER_LDFLAGS[sdk=iphoneos*] = -ObjC // linker\n',
      ),
    ).toEqual([
      { key: 'SWIFT_VERSION', value: '5.0', line: 3 },
      { key: 'OTHER_LDFLAGS[sdk=iphoneos*]', value: '-ObjC', line: 4 },
    ]);
  });
});

describe('readProjectStructure on the sample repositories', () => {
  it('reads the iOS sample: project, targets, scheme, deployment target', () => {
    const s = readProjectStructure(directoryReader(join(EXAMPLES, 'ios-shop')));
    expect(s.platforms).toEqual(['ios']);
    expect(s.modules.map((m) => [m.name, m.system])).toEqual([['ShopApp', 'xcode']]);
    expect(s.targets.map((t) => [t.name, t.kind, t.isTest, t.dependencies])).toEqual([
      ['ShopApp', 'application', false, ['Alamofire', 'KeychainAccess']],
      ['ShopAppTests', 'bundle.unit-test', true, ['ShopApp']],
    ]);
    expect(s.schemes).toEqual([
      { name: 'ShopApp', project: 'ShopApp', buildTargets: ['ShopApp'], testTargets: ['ShopAppTests'] },
    ]);
    expect(s.iosDeploymentTarget).toBe('16.0');
    expect(s.problems).toEqual([]);
  });

  it('reads the Android sample: modules, project dependencies, minSdk', () => {
    const s = readProjectStructure(directoryReader(join(EXAMPLES, 'android-shop')));
    expect(s.platforms).toEqual(['android']);
    expect(s.modules.map((m) => [m.name, m.kind, m.dir, m.dependencies, m.minSdk])).toEqual([
      ['AcmeShop', 'gradle', '', [], undefined],
      [':app', 'android-application', 'app', [':core:data', ':feature:checkout'], '26'],
      [':core:data', 'android-library', 'core/data', [], '24'],
      [':feature:checkout', 'android-library', 'feature/checkout', [':core:data'], '24'],
    ]);
    expect(s.minSdk).toBe(24);
  });

  it('resolves minSdk from the version catalog and says which included module is missing', () => {
    const s = readProjectStructure(
      memoryReader({
        'settings.gradle.kts': 'include(":app", ":gone")\n',
        'gradle/libs.versions.toml': '[versions]\nminSdk = "23"\n',
        'app/build.gradle.kts':
          'plugins { id("com.android.application") }\nandroid { defaultConfig { minSdk = libs.versions.minSdk.get().toInt() } }\n',
      }),
    );
    expect(s.modules.find((m) => m.name === ':app')?.minSdk).toBe('23');
    expect(s.minSdk).toBe(23);
    expect(s.problems).toEqual([
      {
        file: 'settings.gradle.kts',
        problem: 'module :gone is included but gone/build.gradle(.kts) does not exist',
      },
    ]);
  });

  it('reads SwiftPM packages with targets and platforms', () => {
    const s = readProjectStructure(
      memoryReader({
        'Package.swift':
          'let package = Package(name: "Kit", platforms: [.iOS(.v14)], targets: [.target(name: "Kit"), .testTarget(name: "KitTests", dependencies: ["Kit"])])\n',
      }),
    );
    expect(s.targets.map((t) => [t.name, t.isTest, t.dir])).toEqual([
      ['Kit', false, 'Sources/Kit'],
      ['KitTests', true, 'Tests/KitTests'],
    ]);
    expect(s.deploymentTargets).toEqual([
      { platform: 'iOS', version: '14.0', file: 'Package.swift', line: 1, scope: 'Kit' },
    ]);
  });
});

describe('TestMap', () => {
  const map = new TestMap(
    memoryReader({
      'app/build.gradle.kts': '',
      'app/src/main/java/com/acme/Cart.kt': 'class Cart',
      'app/src/main/java/com/acme/Checkout.kt': 'class Checkout',
      'app/src/main/java/com/acme/Orphan.kt': 'class Orphan',
      'app/src/test/java/com/acme/CartTest.kt': 'class CartTest',
      'app/src/test/java/com/acme/FlowTest.kt': 'class FlowTest { val c = Checkout() }',
      'core/build.gradle.kts': '',
      'core/src/test/java/com/acme/OrphanTest.kt': 'class OrphanTest',
      'Package.swift': '',
      'Sources/Kit/Parser.swift': 'struct Parser {}',
      'Tests/KitTests/ParserTests.swift': 'final class ParserTests {}',
    }),
  );

  it.each([
    ['app/src/main/java/com/acme/Cart.kt', ['app/src/test/java/com/acme/CartTest.kt']],
    ['app/src/main/java/com/acme/Checkout.kt', ['app/src/test/java/com/acme/FlowTest.kt']],
    ['app/src/main/java/com/acme/Orphan.kt', []],
    ['Sources/Kit/Parser.swift', ['Tests/KitTests/ParserTests.swift']],
  ])('%s is tested by %j', (source, tests) => {
    expect(map.testsFor(source)).toEqual(tests);
  });
});

describeSamples('structure readers', () => {
  it('reads the real Xcode project', () => {
    const project = readPbxproj(readSample('project.pbxproj'));
    expect(project.objectVersion).toBe('54');
    expect(
      project.targets.map((t) => [t.name, t.productType, t.isTest, t.dependencies, t.packageProducts]),
    ).toEqual([
      ['Search', 'application', false, [], ['ComposableArchitecture']],
      ['SearchTests', 'bundle.unit-test', true, ['Search'], []],
    ]);
    expect(project.targets[0]!.sources).toEqual(
      expect.arrayContaining(['SearchApp.swift', 'SearchView.swift', 'WeatherClient.swift']),
    );
  });

  it('finds the structure of a checkout that holds the real project file', () => {
    const s = readProjectStructure(
      memoryReader({ 'Examples/Search/Search.xcodeproj/project.pbxproj': readSample('project.pbxproj') }),
    );
    expect(s.targets.map((t) => t.name)).toEqual(['Search', 'SearchTests']);
    expect(s.deploymentTargets.every((d) => d.file.endsWith('project.pbxproj') && d.line > 0)).toBe(true);
  });
});
