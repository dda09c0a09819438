import Photos
import SwiftUI

struct CheckoutView: View {
    @EnvironmentObject private var cart: CartViewModel
    @State private var receiptSaved = false

    private let bannerURL = URL(string: "http://legacy-images.acme-shop.com/banners/checkout.png")!

    var body: some View {
        VStack(spacing: 16) {
            AsyncImage(url: bannerURL)
            Text(L10n.Checkout.total(cart.total.formatted()))
            Button(L10n.Checkout.saveReceipt) { saveReceipt() }
                .disabled(receiptSaved)
        }
        .padding()
    }

    private func saveReceipt() {
        PHPhotoLibrary.requestAuthorization(for: .addOnly) { status in
            guard status == .authorized else { return }
            Task { @MainActor in receiptSaved = true }
        }
    }
}

#Preview {
    CheckoutView()
        .environmentObject(CartViewModel())
}
