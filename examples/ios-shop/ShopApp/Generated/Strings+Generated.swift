// swiftlint:disable all
// Generated using SwiftGen — https://github.com/SwiftGen/SwiftGen

import Foundation

// MARK: - Strings

internal enum L10n {
  internal enum Checkout {
    /// Save receipt
    internal static let saveReceipt = L10n.tr("Localizable", "checkout.save_receipt", fallback: "Save receipt")
    /// Total: %@
    internal static func total(_ p1: Any) -> String {
      return L10n.tr("Localizable", "checkout.total", String(describing: p1), fallback: "Total: %@")
    }
  }
}

extension L10n {
  private static func tr(_ table: String, _ key: String, _ args: CVarArg..., fallback value: String) -> String {
    let format = Bundle.main.localizedString(forKey: key, value: value, table: table)
    return String(format: format, locale: Locale.current, arguments: args)
  }
}
// swiftlint:enable all
