// Removes bundle outputs from earlier builds (chunk names carry content hashes, so old ones would pile up).
import { rmSync } from 'node:fs';

for (const dir of ['dist/chunks', 'dist/types']) rmSync(new URL(`../${dir}`, import.meta.url), { recursive: true, force: true });
