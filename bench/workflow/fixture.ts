/**
 * The change every benchmarked run reviews: a small iOS source directory and the unified diff of
 * one edited Swift file, read by the agents' plain-directory reader (no git process per task, so
 * the figures are the orchestration's, not `git`'s start-up time).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SOURCE = `import Foundation

final class LoginViewModel {
    private let api: AuthAPI
    private(set) var errorMessage: String?

    init(api: AuthAPI) {
        self.api = api
    }

    func login(email: String, password: String) async {
        do {
            let token = try await api.login(email: email, password: password)
            UserDefaults.standard.set(token, forKey: "authToken")
            errorMessage = nil
        } catch {
            errorMessage = error.localizedDescription
        }
    }
}
`;

const DIFF = `diff --git a/Sources/Login/LoginViewModel.swift b/Sources/Login/LoginViewModel.swift
--- a/Sources/Login/LoginViewModel.swift
+++ b/Sources/Login/LoginViewModel.swift
@@ -11,7 +11,8 @@ final class LoginViewModel {
     func login(email: String, password: String) async {
         do {
             let token = try await api.login(email: email, password: password)
-            errorMessage = nil
+            UserDefaults.standard.set(token, forKey: "authToken")
+            errorMessage = nil
         } catch {
             errorMessage = error.localizedDescription
         }
`;

export interface ReviewFixture {
  root: string;
  /** The diff artifact, relative to `root`. */
  diff: string;
  remove(): void;
}

export function writeReviewFixture(): ReviewFixture {
  const root = mkdtempSync(join(tmpdir(), 'af-bench-workflow-'));
  const files: Record<string, string> = { 'Sources/Login/LoginViewModel.swift': SOURCE, 'change.diff': DIFF };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { root, diff: 'change.diff', remove: () => rmSync(root, { recursive: true, force: true }) };
}
