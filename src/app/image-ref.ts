// Kept apart from config.ts (zod) so a warm step process can name its image without loading it.

/** An image reference and, when it is pinned by digest, the digest. */
export interface ImageRef {
  readonly ref: string;
  /** `sha256:<64 hex>`, or null for a tag-only reference. */
  readonly digest: string | null;
}

/**
 * The code version lineage records for this process: package version, git commit and, in a rendered
 * pod, the image (`BOOKML_IMAGE`) and its digest.
 * @example localStepServices(stores, { codeVersion: lineageCodeVersion(codeVersion(), config.image) });
 */
export function lineageCodeVersion(
  code: { version: string; gitSha: string | null },
  image: ImageRef | undefined,
): { version: string; gitSha: string | null; image?: string; imageDigest?: string | null } {
  return image === undefined
    ? { version: code.version, gitSha: code.gitSha }
    : { version: code.version, gitSha: code.gitSha, image: image.ref, imageDigest: image.digest };
}

/**
 * The image reference and its digest (`repo@sha256:…` → `sha256:…`; a tag-only reference has none).
 * @example imageRefOf('ghcr.io/b/bookml@sha256:ab…').digest; // 'sha256:ab…'
 */
export function imageRefOf(ref: string): ImageRef {
  const at = ref.lastIndexOf('@');
  const digest = at >= 0 && /^sha256:[0-9a-f]{64}$/.test(ref.slice(at + 1)) ? ref.slice(at + 1) : null;
  return Object.freeze({ ref, digest });
}
