import pg from 'pg';
import { storeContract } from './contract';
import { openPostgresStore } from './postgres';
import { createTestDatabase } from './test-postgres';

storeContract('postgres (pg)', async () => {
  const db = await createTestDatabase();
  return {
    open: () => openPostgresStore({ url: db.url }),
    cleanup: () => db.drop(),
    sumNames: async () => {
      const probe = new pg.Client({ connectionString: db.url });
      await probe.connect();
      try {
        return (await probe.query<{ name: string }>('SELECT name FROM named_blobs')).rows.map((r) => r.name);
      } finally {
        await probe.end();
      }
    },
  };
});
