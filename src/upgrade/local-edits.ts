/**
 * Local edits of template files: which files of a render (the service's recorded version and
 * answers) the service has changed or deleted. Files the template does not have are the
 * service's own and never count.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface LocalEdits {
  modified: string[];
  deleted: string[];
}

async function filesUnder(root: string, dir = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      return e.isDirectory() ? filesUnder(root, rel) : Promise.resolve([rel]);
    }),
  );
  return nested.flat();
}

export async function localEdits(rendered: string, service: string): Promise<LocalEdits> {
  const out: LocalEdits = { modified: [], deleted: [] };
  for (const file of (await filesUnder(rendered)).sort()) {
    const mine = await readFile(path.join(service, file)).catch(() => undefined);
    if (mine === undefined) out.deleted.push(file);
    else if (!mine.equals(await readFile(path.join(rendered, file)))) out.modified.push(file);
  }
  return out;
}
