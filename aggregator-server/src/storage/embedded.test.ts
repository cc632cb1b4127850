import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from './contract';
import { openEmbeddedStore } from './embedded';

storeContract('embedded (PGlite + files)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-embedded-'));
  return {
    open: () => openEmbeddedStore({ dir }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
    sumNames: async () =>
      (await readdir(join(dir, 'weights', 'sums')).catch(() => [])).map((f) => f.replace(/\.f64$/, '')),
  };
});
