import { ConfigError } from './config.ts';

// `npm start`: the same as `warden serve` (src/cli/server/serve.ts). `npm start -- --https` is the
// one-command https demo: WARDEN_HTTPS=self-signed (README "HTTPS").
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--https');
if (unknown.length > 0) {
  console.error(`Unknown argument ${unknown.join(' ')}; npm start takes only --https (README "HTTPS").`);
  process.exit(2);
}
const env = args.includes('--https') ? { ...process.env, WARDEN_HTTPS: 'self-signed' } : process.env;
// Imported after the arguments are read: a wrong one is answered without loading the server.
const { serve } = await import('./cli/server/serve.ts');
serve(env).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
