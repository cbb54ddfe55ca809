// Prints vitest's JSON report as one plain "N passed, N failed" line, the
// form CI reads. Exits non-zero when the report is missing or ran no test.
import { readFileSync } from 'node:fs'

const path = process.argv[2] ?? '.tmp/vitest-report.json'
let report
try {
  report = JSON.parse(readFileSync(path, 'utf8'))
} catch (err) {
  console.error(`no test report at ${path}: ${err.message}`)
  process.exit(1)
}
const passed = report.numPassedTests ?? 0
const failed = (report.numFailedTests ?? 0) + (report.numTodoTests ?? 0)
const skipped = report.numPendingTests ?? 0
console.log(`${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''))
process.exit(failed === 0 && passed > 0 ? 0 : 1)
