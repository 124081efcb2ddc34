/**
 * Artifacts: named files or directories a step reads or writes. The executor stores them content-addressed;
 * on Argo they travel as Argo artifacts. A step sees an input artifact as a local path and returns the
 * path it wrote for an output artifact.
 */

/** A file or directory input or output. */
export interface ArtifactSpec {
  readonly kind: 'file' | 'directory';
  readonly description?: string;
}

/**
 * Builders for artifact specs.
 *
 * @example
 * const outputs = { artifacts: { bundle: artifact.directory({ description: 'model bundle' }) } };
 */
export const artifact = {
  /** A single file. */
  file(options: { description?: string } = {}): { readonly kind: 'file'; readonly description?: string } {
    return { kind: 'file', ...options };
  },
  /** A directory tree. */
  directory(options: { description?: string } = {}): {
    readonly kind: 'directory';
    readonly description?: string;
  } {
    return { kind: 'directory', ...options };
  },
};
