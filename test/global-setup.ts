/** Runs once per vitest run: the one line saying the browser tests are skipped, when they are. */
import { INSTALL, CHROMIUM, skipBrowser } from './browser/chromium.js';

export default function setup(): void {
  if (skipBrowser) {
    console.warn(`\n*** BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM}; install it with \`${INSTALL}\` (with CI set they fail instead) ***\n`);
  }
}
