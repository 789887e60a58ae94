// Where the embedded default lives: the config `npm start` runs with when no
// --config is given (demo CRM, demo docs and server-everything over stdio, in-memory state).

import { fileURLToPath } from 'node:url';

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));
