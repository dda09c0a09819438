package com.acme.shop.network

import okhttp3.OkHttpClient
import okhttp3.Request

class ApiClient(private val http: OkHttpClient = OkHttpClient()) {
    fun fetchPromotions(): String? {
        val request = Request.Builder()
            .url("$BASE_URL/promotions")
            .header("X-Api-Key", API_KEY)
            .build()
        return http.newCall(request).execute().use { it.body?.string() }
    }

    private companion object {
        const val BASE_URL = "http://promotions.acme-shop.com/v2"
        const val API_KEY = "Zm9vYmFyLXByb21vLWtleS0yMDI2"
    }
}
