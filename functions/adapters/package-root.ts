/**
 * Where the installed rekwatch package is: the nearest ancestor of a directory (by default this
 * module's) holding a package.json named `rekwatch`. The same answer from the TypeScript sources
 * (two or three levels below the root) and from the compiled bundles in `dist/` (one level), in the
 * repository, in `node_modules/rekwatch` or in a global install; throws when there is none.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function packageRoot(from: string = __dirname): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'rekwatch') return dir;
    } catch {
      // no readable package.json here: keep looking
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the rekwatch package above ${from}`);
  }
}
