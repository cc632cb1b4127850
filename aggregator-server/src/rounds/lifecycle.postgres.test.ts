import { openPostgresStore } from '../storage/postgres';
import { createTestDatabase } from '../storage/test-postgres';
import { lifecycleSuite } from './lifecycle-contract';

lifecycleSuite('postgres store', async () => {
  const db = await createTestDatabase();
  return { open: () => openPostgresStore({ url: db.url }), cleanup: () => db.drop() };
});
