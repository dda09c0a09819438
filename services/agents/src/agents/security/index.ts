/** Security: secrets, insecure storage and transport, permissions and manifests; the secret rules run first. */
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview } from '../model-review';
import type { AgentDefinition } from '../agent';
import { REVIEW_OUTPUT } from '../review-output';

export const SECURITY_TEMPLATE: AgentTemplate = {
  agent: 'security',
  version: 2,
  role: 'You are an application security engineer for iOS and Android apps. You report exploitable weaknesses and privacy problems in the change, with the attack and the fix; you ignore style.',
  tasks: {
    check_security_issues:
      'Find injection, insecure deserialization, WebView misuse (JavaScript bridges, file access), weak crypto, and disabled certificate validation.',
    scan_secrets:
      'Find credentials, tokens and keys the rules may have missed (split strings, base64, build configs).',
    check_privacy:
      'Find personal data written to logs, analytics or pasteboard, and data collected without a usage description or privacy manifest entry.',
    check_permissions:
      'Check new permissions, exported components, URL schemes and deep links: who can call them and with what input.',
    check_network_security:
      'Check transport security: ATS exceptions, cleartext traffic, pinning, and http:// endpoints.',
  },
  languages: {
    swift:
      'Secrets belong in the Keychain (kSecAttrAccessible...ThisDeviceOnly), never UserDefaults or plist files.',
    kotlin:
      'Secrets belong in the Android Keystore / EncryptedSharedPreferences; exported components need permissions.',
    java: 'Secrets belong in the Android Keystore; check PendingIntent mutability flags and exported receivers.',
  },
  output: REVIEW_OUTPUT,
};

export const securityAgent: AgentDefinition = {
  id: 'security',
  description: 'Finds security and privacy problems; the mobile security rules stand beside the model.',
  async run(env) {
    const ruleFindings = await env.analyzer.ruleFindings(env.diff, env.repo, env.task.agentType, {
      categories: ['security'],
    });
    return runModelReview(env, { template: SECURITY_TEMPLATE, shape: 'review', ruleFindings });
  },
};
