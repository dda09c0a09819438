import { NeverSentPaths, parsePolicyList } from './never-sent';

describe('never-sent paths', () => {
  const paths = new NeverSentPaths(parsePolicyList('# security-owned\n*.p8\nconfig/prod/**\n').neverSent);
  it('blocks the defaults and the security-owned list wherever they sit', () => {
    expect(
      paths.blocked([
        'ios/App/GoogleService-Info.plist',
        'android/app/google-services.json',
        'android/release.jks',
        'android/app/upload.keystore',
        '.env',
        'fastlane/.env.production',
        'ios/Pods/Alamofire/Source/Session.swift',
        'AuthKey_ABC.p8',
        'config/prod/keys.yml',
      ]),
    ).toHaveLength(9);
  });
  it('lets ordinary source through', () => {
    expect(
      paths.blocked(['ios/App/Login.swift', 'android/app/src/main/java/Login.kt', 'docs/environment.md']),
    ).toEqual([]);
  });
  it('reads a rules-only flag from the policy file', () => {
    expect(parsePolicyList('rulesOnly: true\n- "*.pem"\n')).toEqual({
      neverSent: ['*.pem'],
      rulesOnly: true,
    });
  });
});
