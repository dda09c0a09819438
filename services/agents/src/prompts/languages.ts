/**
 * Per-language review guidance shared by every agent. Versioned: a change here changes the
 * `promptVersion` recorded on every finding, so review quality can be compared across versions.
 */
import type { SourceLanguage } from '../diff/file-kind';

export const LANGUAGE_GUIDANCE_VERSION = 2;

export const LANGUAGE_GUIDANCE: Record<SourceLanguage, string> = {
  swift: [
    "Swift: respect the project's Swift language mode (strict concurrency in Swift 6: Sendable, actor isolation, @MainActor for UI).",
    'Watch for retain cycles in escaping closures (missing [weak self]), force unwraps and force casts on external data, main-thread UI updates,',
    'Task cancellation not checked in long work, Codable models that crash on missing keys, SwiftUI state owned in the wrong place',
    '(@State for reference types, @ObservedObject created in body), Keychain rather than UserDefaults for secrets, and availability checks for APIs newer than the deployment target.',
  ].join(' '),
  objc: [
    'Objective-C: nullability annotations on public headers, retain cycles with blocks capturing self (use a weak reference),',
    'messages to nil that hide failures, NSString format specifiers matching argument types, KVO observers removed, and ARC bridging casts.',
  ].join(' '),
  kotlin: [
    'Kotlin (Android): coroutine scope and cancellation (viewModelScope/lifecycleScope, no GlobalScope), blocking calls on Dispatchers.Main,',
    'leaked Context or View references in ViewModels and singletons, null-safety escapes (!!), Compose recomposition pitfalls (unstable parameters,',
    'remember without keys, side effects outside LaunchedEffect), Flow collection tied to the lifecycle, and APIs above minSdk without a version check.',
  ].join(' '),
  java: [
    'Java (Android): NullPointerException risks on platform types, work on the main thread (network, disk, database), leaked Activity contexts',
    'in static fields and inner classes, unclosed Cursors and streams, and APIs above minSdk without Build.VERSION checks.',
  ].join(' '),
};
