// The aggregator process: configuration from HEARTH_CONFIG + environment, then serve until SIGTERM.
//   HEARTH_SECRET=... HEARTH_ADMIN_TOKEN=... npx tsx aggregator-server/src/main.ts

import { ConfigError, loadConfig } from './config';
import { startServer } from './server';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const server = await startServer(config);
  const stop = async (signal: string) => {
    server.ctx.log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

await main();
