import { describe, expect, it } from 'vitest';
import {
  checkRestricted,
  containerSecurityContext,
  executorPodSpecPatch,
  podSecurityContext,
  tmpVolume,
  tmpVolumeMount,
} from './security-context.js';

/** The smallest manifest that passes: the shape the compiler emits, one step. */
function manifest(
  patch: {
    spec?: Record<string, unknown>;
    template?: Record<string, unknown>;
    container?: Record<string, unknown>;
  } = {},
) {
  return {
    spec: {
      securityContext: podSecurityContext(),
      podSpecPatch: executorPodSpecPatch(true),
      volumes: [tmpVolume()],
      ...patch.spec,
      templates: [
        {
          name: 'train',
          container: {
            image: 'bookml:1',
            securityContext: containerSecurityContext(),
            volumeMounts: [tmpVolumeMount()],
            ...patch.container,
          },
          ...patch.template,
        },
      ],
    },
  };
}

describe('PSA restricted check', () => {
  it('passes what the compiler emits, in both pod layouts', () => {
    expect(checkRestricted(manifest())).toEqual([]);
    const initless = manifest({ spec: { podSpecPatch: executorPodSpecPatch(false) } });
    expect(initless.spec.podSpecPatch).toBeUndefined();
    expect(checkRestricted(initless, { legacyPodLayout: false })).toEqual([]);
  });

  it('pod level: non-root, non-zero UID, seccomp; a template may tighten but not loosen', () => {
    expect(checkRestricted(manifest({ spec: { securityContext: {} } }))).toEqual([
      'spec.securityContext.runAsNonRoot must be true',
      'spec.securityContext.runAsUser must be a non-zero UID',
      'spec.securityContext.seccompProfile.type must be RuntimeDefault or Localhost',
    ]);
    expect(
      checkRestricted(
        manifest({ template: { securityContext: { seccompProfile: { type: 'Unconfined' } } } }),
      ),
    ).toEqual(['templates[train].securityContext.seccompProfile.type must be RuntimeDefault or Localhost']);
  });

  it('containers: escalation, privileged, root, capabilities, read-only root with a writable /tmp', () => {
    const problems = checkRestricted(
      manifest({
        container: {
          securityContext: {
            privileged: true,
            runAsUser: 0,
            capabilities: { add: ['SYS_ADMIN', 'NET_BIND_SERVICE'] },
          },
          volumeMounts: [],
        },
      }),
    );
    expect(problems).toEqual([
      'templates[train].container.securityContext.allowPrivilegeEscalation must be false',
      'templates[train].container.securityContext.privileged must not be true',
      'templates[train].container.securityContext.runAsUser must not be 0',
      'templates[train].container.securityContext.capabilities.drop must include ALL',
      'templates[train].container.securityContext.capabilities.add must not add SYS_ADMIN',
      'templates[train].container.securityContext.readOnlyRootFilesystem must be true',
      'templates[train].container.volumeMounts must mount a writable volume at /tmp',
    ]);
  });

  it('/tmp must be an emptyDir; volumes only of allowed types; no host namespaces', () => {
    const problems = checkRestricted(
      manifest({
        spec: {
          volumes: [{ name: 'tmp', hostPath: { path: '/tmp' } }],
          hostPID: true,
        },
      }),
    );
    expect(problems).toContain('spec.volumes[0] (tmp) uses hostPath, not allowed');
    expect(problems).toContain('templates[train].container mounts tmp at /tmp, which is not an emptyDir');
    expect(problems).toContain('spec.hostPID must not be true');
  });

  it("Argo's own containers: patched in the legacy layout, never named in the init-less one", () => {
    expect(checkRestricted(manifest({ spec: { podSpecPatch: undefined } }))).toEqual([
      'spec.podSpecPatch must secure Argo\'s "init" container (initContainers)',
      'spec.podSpecPatch must secure Argo\'s "wait" container (containers)',
    ]);
    expect(checkRestricted(manifest(), { legacyPodLayout: false })).toEqual([
      'spec.podSpecPatch names "init", which the init-less pod layout does not have (the pod would be rejected)',
      'spec.podSpecPatch names "wait", which the init-less pod layout does not have (the pod would be rejected)',
    ]);
    expect(checkRestricted(manifest({ spec: { podSpecPatch: 'initContainers: []' } }))).toContain(
      'spec.podSpecPatch must be JSON (bookml emits JSON so it can be checked)',
    );
    expect(checkRestricted(manifest({ template: { podSpecPatch: '{}' } }))).toContain(
      "templates[train].podSpecPatch would replace the workflow's patch; not allowed",
    );
  });

  it('sidecars and init containers of a template are held to the same rules', () => {
    const problems = checkRestricted(
      manifest({
        template: { sidecars: [{ name: 'proxy', securityContext: { capabilities: { drop: ['ALL'] } } }] },
      }),
    );
    expect(problems).toEqual([
      'templates[train].sidecars[proxy].securityContext.allowPrivilegeEscalation must be false',
    ]);
  });
});
