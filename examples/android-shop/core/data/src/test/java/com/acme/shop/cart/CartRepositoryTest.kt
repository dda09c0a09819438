package com.acme.shop.cart

import org.junit.Assert.assertEquals
import org.junit.Test

class CartRepositoryTest {
    @Test
    fun addingTheSameSkuTwiceIncreasesQuantity() {
        val cart = CartRepository()
        cart.add(Item("mug", "Mug", 1200, 1))
        cart.add(Item("mug", "Mug", 1200, 2))
        assertEquals(3, cart.count())
        assertEquals(3600, cart.totalCents())
    }
}
