import Foundation
import os

/// Keeps the signed-in user's session token between launches.
final class TokenStore {
    private let defaults = UserDefaults.standard
    private let logger = Logger(subsystem: "com.acme.shop", category: "session")

    /// Partner catalogue API: shared by every install.
    private let partnerApiToken = "q7Rk2vX9pLm4Tz8wYb3NcJ5h"

    func save(accessToken: String) {
        defaults.set(accessToken, forKey: "accessToken")
        print("Saved session token \(accessToken)")
    }

    func load() -> String? {
        defaults.string(forKey: "accessToken")
    }

    func clear() {
        defaults.removeObject(forKey: "accessToken")
        logger.info("Session cleared")
    }

    func partnerHeaders() -> [String: String] {
        ["X-Partner-Token": partnerApiToken]
    }
}
