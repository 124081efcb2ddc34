import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bundle } from './bundle.js';

/** First line of every file `deploy render` writes. */
export const RENDERED_HEADER = ' Rendered by bookml (deploy render). Change the options and render again.';

/** Objects as YAML documents, one per object, with the rendered-file header. */
export async function manifestsToYaml(objects: readonly object[]): Promise<string> {
  const { Document } = await import('yaml');
  return objects
    .map((m, i) => {
      const doc = new Document(m, { aliasDuplicateObjects: false });
      if (i === 0) doc.commentBefore = RENDERED_HEADER;
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}

/** The bundle as files: file name → YAML text (`kustomization.yaml` included). */
export async function bundleFiles(bundle: Bundle): Promise<Map<string, string>> {
  const byFile = new Map<string, object[]>();
  for (const f of bundle.resources) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f.manifest]);
  const out = new Map<string, string>();
  for (const [file, objects] of byFile) out.set(file, await manifestsToYaml(objects));
  out.set(bundle.argoCd.file, await manifestsToYaml([bundle.argoCd.manifest]));
  out.set('kustomization.yaml', await manifestsToYaml([bundle.kustomization]));
  return out;
}

/**
 * Write the bundle under `dir` (created if missing); returns the file names written.
 * @example await writeBundle(renderBundle(spec, {}, '0.1.0'), 'k8s');
 */
export async function writeBundle(bundle: Bundle, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = await bundleFiles(bundle);
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return [...files.keys()];
}
