// Telemetry stays off in tests unless a test turns it on (toolchain pitfall 8).
process.env.OTEL_SDK_DISABLED ??= 'true';
process.env.OTEL_METRICS_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';
process.env.OTEL_TRACES_EXPORTER ??= 'none';
process.env.LOG_LEVEL ??= 'silent';
