/**
 * Where the browser tests find Chromium, and whether they run: Debian's
 * chromium at /usr/bin/chromium. Without it they are skipped on a developer's
 * machine (vitest's global setup prints one line naming the install command),
 * but under CI (the `CI` environment variable set, as .ci/run does) they run
 * and fail with that message: a CI machine must have the browser.
 */
import { existsSync } from 'node:fs';

/** SIMDNN_CHROMIUM overrides the path (another build, or a missing one to see the skip). */
export const CHROMIUM = process.env.SIMDNN_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-quic', '--no-first-run', '--disable-sync',
];

export const INSTALL = 'apt-get install -y chromium';

export const MISSING = `Chromium not found at ${CHROMIUM}: the browser tests need Debian's chromium package (${INSTALL}; .ci/run installs it when the \`chromium\` command is missing)`;

/** True when the browser tests are to be skipped: no Chromium and not in CI. */
export const skipBrowser = !existsSync(CHROMIUM) && !process.env.CI;
