import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['./core/node-version.ts'],
    // CI reads a JSON report to print its "N passed, N failed" line.
    reporters: process.env.CI === 'true' ? ['default', 'json'] : ['default'],
    outputFile: { json: '.tmp/vitest-report.json' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real libp2p nodes and databases; on a 2-core
    // machine running files one at a time keeps timings honest.
    fileParallelism: false,
    pool: 'forks'
  }
})
