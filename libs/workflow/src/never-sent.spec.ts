import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNeverSentPaths, NeverSentPaths, neverSentOfSettings } from './never-sent';

describe('the never-sent list', () => {
  it('covers the defaults wherever they sit, in any case', () => {
    const paths = new NeverSentPaths();
    expect(
      paths.blocked([
        'App/Vendor/V.swift',
        'ios/Pods/Alamofire/Session.swift',
        'app/google-services.json',
        'App/A.swift',
      ]),
    ).toEqual(['App/Vendor/V.swift', 'ios/Pods/Alamofire/Session.swift', 'app/google-services.json']);
  });

  it("reads gateway.yml's policy and the security-owned file, the same files the gateway reads", () => {
    const dir = mkdtempSync(join(tmpdir(), 'never-sent-'));
    writeFileSync(join(dir, 'gateway.yml'), 'gateway:\n  policy:\n    neverSent:\n      - "**/*.p8"\n');
    writeFileSync(join(dir, 'policy.txt'), '# security\nconfig/prod/**\n');
    const paths = loadNeverSentPaths({
      settingsFile: join(dir, 'gateway.yml'),
      policyFile: join(dir, 'policy.txt'),
    });
    expect(paths.blocked(['AuthKey.p8', 'config/prod/keys.yml', 'config/dev/keys.yml'])).toEqual([
      'AuthKey.p8',
      'config/prod/keys.yml',
    ]);
  });

  it('adds nothing for a missing gateway.yml or one without a policy', () => {
    expect(loadNeverSentPaths({ settingsFile: '/nonexistent/gateway.yml' }).globs).toEqual(
      new NeverSentPaths().globs,
    );
    expect(neverSentOfSettings('gateway:\n  replicas: 2\n')).toEqual([]);
  });
});
