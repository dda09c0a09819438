plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "com.acme.shop"
    compileSdk = 35

    defaultConfig {
        applicationId = "com.acme.shop"
        minSdk = 26
        targetSdk = 35
        versionCode = 42
        versionName = "3.8.0"
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }
}

dependencies {
    implementation(project(":core:data"))
    implementation(project(":feature:checkout"))
    implementation(libs.androidx.core.ktx)
    implementation(libs.okhttp)
    implementation(libs.payments.sdk)
    testImplementation(libs.junit)
}
