import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { COMMON_LABELS, NAMES } from './names.js';
import type { ResolvedRenderOptions } from './options.js';

/**
 * The Argo CD Application that syncs this bundle from Git: a promotion is a commit to it
 * (`bookml deploy promote`), applied by Argo CD. It lives in Argo CD's namespace.
 */
export function argoCdApplication(o: ResolvedRenderOptions): Application {
  return new Application({
    metadata: { name: NAMES.argoApplication, namespace: 'argocd', labels: { ...COMMON_LABELS } },
    spec: {
      project: 'default',
      source: { repoURL: o.gitRepoUrl, targetRevision: 'HEAD', path: o.gitPath },
      destination: { server: 'https://kubernetes.default.svc', namespace: o.namespace },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  });
}
