/** The virtual key the bench's gateway accepts and its load generator presents. */
export const BENCH_KEY = 'vk-bench-0123456789abcdef';
