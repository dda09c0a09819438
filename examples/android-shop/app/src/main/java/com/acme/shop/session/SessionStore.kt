package com.acme.shop.session

import android.content.Context
import android.util.Log

/** Keeps the signed-in user's session between launches. */
class SessionStore(context: Context) {
    private val prefs = context.getSharedPreferences("session", Context.MODE_PRIVATE)

    fun save(authToken: String) {
        prefs.edit().putString("auth_token", authToken).apply()
        Log.d(TAG, "Stored session token $authToken")
    }

    fun token(): String? = prefs.getString("auth_token", null)

    fun clear() {
        prefs.edit().remove("auth_token").apply()
        Log.i(TAG, "Session cleared")
    }

    private companion object {
        const val TAG = "SessionStore"
    }
}
