import { serve } from './cli/server/serve.ts';
import { ConfigError } from './config.ts';

// `npm start`: the same as `warden serve` (src/cli/server/serve.ts).
serve().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
