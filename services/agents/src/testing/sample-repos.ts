/** Small iOS and Android repositories the agent tests review (a few files each, real shapes). */

export const IOS_BASE: Record<string, string> = {
  'Package.swift': `// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Shop",
    platforms: [.iOS(.v16)],
    products: [.library(name: "Checkout", targets: ["Checkout"])],
    targets: [
        .target(name: "Checkout"),
        .testTarget(name: "CheckoutTests", dependencies: ["Checkout"]),
    ]
)
`,
  'Sources/Checkout/PaymentService.swift': `import Foundation

public protocol PaymentService {
    func charge(amount: Decimal, token: String) async throws -> Receipt
}

public struct Receipt: Equatable {
    public let id: String
    public let amount: Decimal
}
`,
  'Sources/Checkout/CheckoutViewModel.swift': `import Foundation

@MainActor
public final class CheckoutViewModel: ObservableObject {
    @Published public private(set) var total: Decimal = 0
    private let payments: PaymentService

    public init(payments: PaymentService) {
        self.payments = payments
    }

    public func add(price: Decimal) {
        total += price
    }
}
`,
  'Sources/Checkout/CartScreen.swift': `import SwiftUI

struct CartScreen: View {
    @ObservedObject var model: CheckoutViewModel
    var body: some View { Text("\\(model.total)") }
}
`,
  'Tests/CheckoutTests/CheckoutViewModelTests.swift': `import XCTest
@testable import Checkout

final class CheckoutViewModelTests: XCTestCase {
    func testAddIncreasesTotal() async {
        let model = await CheckoutViewModel(payments: StubPayments())
        await model.add(price: 2)
        let total = await model.total
        XCTAssertEqual(total, 2)
    }
}

struct StubPayments: PaymentService {
    func charge(amount: Decimal, token: String) async throws -> Receipt { Receipt(id: "r", amount: amount) }
}
`,
  'AGENTS.md': '# Conventions\n- ViewModels are @MainActor and receive services through init.\n',
};

/** The PR: a new checkout method, a generated file, a lock file and an image. */
export const IOS_CHANGE: Record<string, string> = {
  'Sources/Checkout/CheckoutViewModel.swift': `import Foundation

@MainActor
public final class CheckoutViewModel: ObservableObject {
    @Published public private(set) var total: Decimal = 0
    @Published public private(set) var receipt: Receipt?
    private let payments: PaymentService

    public init(payments: PaymentService) {
        self.payments = payments
    }

    public func add(price: Decimal) {
        total += price
    }

    public func checkout(token: String) {
        Task {
            receipt = try! await payments.charge(amount: total, token: token)
        }
    }
}
`,
  'Sources/Checkout/Generated/Strings+Generated.swift':
    '// Generated using SwiftGen — https://github.com/SwiftGen/SwiftGen\nenum L10n { static let pay = "Pay" }\n',
  'Package.resolved': '{\n  "pins" : [],\n  "version" : 2\n}\n',
  'Resources/logo.png': 'PNG-not-really',
};

export const ANDROID_BASE: Record<string, string> = {
  'settings.gradle.kts': 'rootProject.name = "Notes"\ninclude(":app", ":core")\n',
  'gradle/libs.versions.toml':
    '[versions]\nkotlin = "2.0.21"\njunit5 = "5.11.0"\nmockk = "1.13.12"\n\n[libraries]\njunit-jupiter = { module = "org.junit.jupiter:junit-jupiter", version.ref = "junit5" }\nmockk = { module = "io.mockk:mockk", version.ref = "mockk" }\n',
  'app/build.gradle.kts': `plugins {
    id("com.android.application")
    kotlin("android")
}

android {
    namespace = "com.acme.notes"
    compileSdk = 35
    defaultConfig {
        minSdk = 26
        targetSdk = 35
    }
}

dependencies {
    testImplementation(libs.junit.jupiter)
    testImplementation(libs.mockk)
}

tasks.withType<Test> { useJUnitPlatform() }
`,
  'app/src/main/kotlin/com/acme/notes/NotesRepository.kt': `package com.acme.notes

interface NotesRepository {
    suspend fun all(): List<Note>
    suspend fun save(note: Note)
}

data class Note(val id: String, val text: String)
`,
  'app/src/main/kotlin/com/acme/notes/NotesViewModel.kt': `package com.acme.notes

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.launch

class NotesViewModel(private val repository: NotesRepository) : ViewModel() {
    fun load() {
        viewModelScope.launch { repository.all() }
    }
}
`,
  'app/src/main/AndroidManifest.xml':
    '<manifest xmlns:android="http://schemas.android.com/apk/res/android">\n    <application android:label="Notes" />\n</manifest>\n',
};

export const ANDROID_CHANGE: Record<string, string> = {
  'app/src/main/kotlin/com/acme/notes/NotesViewModel.kt': `package com.acme.notes

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.launch

class NotesViewModel(private val repository: NotesRepository) : ViewModel() {
    fun load() {
        viewModelScope.launch { repository.all() }
    }

    fun save(text: String) {
        GlobalScope.launch { repository.save(Note(id = text.hashCode().toString(), text = text)) }
    }
}
`,
  'app/src/main/res/values/strings.xml': '<resources>\n    <string name="save">Save</string>\n</resources>\n',
};
