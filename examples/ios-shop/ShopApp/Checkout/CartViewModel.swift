import Foundation

struct CartItem: Identifiable, Equatable {
    let id: UUID
    let name: String
    let unitPrice: Decimal
    var quantity: Int
}

@MainActor
final class CartViewModel: ObservableObject {
    @Published private(set) var items: [CartItem] = []

    var total: Decimal {
        items.reduce(0) { $0 + $1.unitPrice * Decimal($1.quantity) }
    }

    func add(_ item: CartItem) {
        if let index = items.firstIndex(where: { $0.id == item.id }) {
            items[index].quantity += item.quantity
        } else {
            items.append(item)
        }
    }

    func remove(id: UUID) {
        items.removeAll { $0.id == id }
    }

    var emptyTitle: String {
        NSLocalizedString("cart.empty_title", comment: "Shown when the cart has no items")
    }
}
