import SwiftUI

@main
struct ShopApp: App {
    @StateObject private var cart = CartViewModel()

    var body: some Scene {
        WindowGroup {
            CheckoutView()
                .environmentObject(cart)
        }
    }
}
