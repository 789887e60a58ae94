// An ESM `import { X } from 'node:http'` makes Node build the module's ESM
// facade by reading every export, and three exports (WebSocket, CloseEvent,
// MessageEvent) are getters that load Node's bundled undici: about 28 ms of a
// start. The gateway's own modules take node:http through
// process.getBuiltinModule; a bundled dependency's named imports of it are
// rewritten to the same here (oidc-provider's, for one).

const NAMED_HTTP_IMPORT = /^import\s*\{([^}]*)\}\s*from\s*(['"])(?:node:)?http\2;?/gm;

/** `code` with each named import of node:http made a destructuring of process.getBuiltinModule('node:http'); null when it has none. */
export function takeHttpWithoutFacade(code: string): string | null {
  if (!code.includes('http')) return null;
  let isChanged = false;
  const rewritten = code.replace(NAMED_HTTP_IMPORT, (_statement, names: string) => {
    isChanged = true;
    const bindings = names.split(',').map((name) => name.trim()).filter((name) => name.length > 0).map((name) => name.replace(/\s+as\s+/, ': '));
    return `const { ${bindings.join(', ')} } = process.getBuiltinModule('node:http');`;
  });
  return isChanged ? rewritten : null;
}
