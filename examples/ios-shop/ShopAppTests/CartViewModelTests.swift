import XCTest
@testable import ShopApp

@MainActor
final class CartViewModelTests: XCTestCase {
    func testAddingTheSameItemTwiceIncreasesQuantity() {
        let cart = CartViewModel()
        let id = UUID()
        cart.add(CartItem(id: id, name: "Mug", unitPrice: 12, quantity: 1))
        cart.add(CartItem(id: id, name: "Mug", unitPrice: 12, quantity: 2))
        XCTAssertEqual(cart.items.count, 1)
        XCTAssertEqual(cart.items.first?.quantity, 3)
        XCTAssertEqual(cart.total, 36)
    }

    func testRemove() {
        let cart = CartViewModel()
        let id = UUID()
        cart.add(CartItem(id: id, name: "Mug", unitPrice: 12, quantity: 1))
        cart.remove(id: id)
        XCTAssertTrue(cart.items.isEmpty)
    }
}
