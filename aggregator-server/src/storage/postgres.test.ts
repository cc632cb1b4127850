import { storeContract } from './contract';
import { openPostgresStore } from './postgres';
import { createTestDatabase } from './test-postgres';

storeContract('postgres (pg)', async () => {
  const db = await createTestDatabase();
  return {
    open: () => openPostgresStore({ url: db.url }),
    cleanup: () => db.drop(),
  };
});
