// `npm start`: the whole Hearth loop on this machine (scripts/demo-stack.ts): builds the SDK and the
// demo shop, starts the aggregator on its embedded store (.data/demo/, registering the demo model the
// first time), and serves shop, SDK, API and admin page from one address. Ctrl-C stops everything.
//   PORT=9000 npm start       another port (default 8080)
import { startDemo } from './demo-stack';

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, got '${process.env.PORT}'`);
  process.exit(2);
}

console.log('Hearth: starting the demo (SDK, shop, aggregator)…');
let demo: Awaited<ReturnType<typeof startDemo>>;
try {
  demo = await startDemo({ port, log: (line) => console.log(`  ${line}`) });
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(
    err.code === 'EADDRINUSE'
      ? `Hearth: port ${port} is taken; try PORT=${port + 1} npm start`
      : err.code === 'EDEMOINUSE'
        ? `Hearth: ${err.message}`
        : `Hearth: could not start: ${err.stack ?? err.message}`,
  );
  process.exit(1);
}

console.log(`
  Shop:   ${demo.url}/          (debug panel: the button at the bottom right)
  Admin:  ${demo.adminUrl}      (rounds, model versions, privacy ledger)
  API:    ${demo.url}/v1/models

  Admin CLI against it (the token lives in ${demo.dataDir}/secrets.json):
    HEARTH_SERVER_URL=${demo.url} HEARTH_ADMIN_TOKEN=$(node -p "require('${demo.dataDir}/secrets.json').adminToken") npm run admin -- privacy report

Ctrl-C stops everything.`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\nHearth: ${signal}, stopping…`);
  await demo.close();
  console.log('Hearth: stopped.');
  process.exit(0);
};
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
