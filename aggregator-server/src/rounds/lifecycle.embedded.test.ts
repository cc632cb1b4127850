import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../storage/embedded';
import { lifecycleSuite } from './lifecycle-contract';

lifecycleSuite('embedded store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-lifecycle-'));
  return {
    open: () => openEmbeddedStore({ dir, inMemory: true }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
