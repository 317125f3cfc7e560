// Prints "tests: N passed, N failed" from vitest's JSON report, and fails when
// the report is missing or counts no test at all.
import { readFileSync, existsSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results.json';
if (!existsSync(file)) {
  console.log('tests: 0 passed, 1 failed');
  console.error(`no test report at ${file}`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const passed = r.numPassedTests ?? 0;
// A file that fails to load fails no single test: count it as a failure too.
let failed = r.numFailedTests ?? 0;
if (failed === 0 && r.success === false) failed = Math.max(1, r.numFailedTestSuites ?? 0);
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(passed > 0 && failed === 0 && r.success !== false ? 0 : 1);
