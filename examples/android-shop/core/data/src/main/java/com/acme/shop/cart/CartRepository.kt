package com.acme.shop.cart

data class Item(val sku: String, val name: String, val unitPriceCents: Long, val quantity: Int)

class CartRepository {
    private val items = linkedMapOf<String, Item>()

    fun add(item: Item) {
        val existing = items[item.sku]
        items[item.sku] = existing?.copy(quantity = existing.quantity + item.quantity) ?: item
    }

    fun clear() {
        items.clear()
    }

    fun totalCents(): Long = items.values.sumOf { it.unitPriceCents * it.quantity }

    fun count(): Int = items.values.sumOf { it.quantity }
}
