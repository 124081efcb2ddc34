import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Namespace, ServiceAccount } from 'kubernetes-models/v1';
import { COMMON_LABELS, ROLES, ROLES_WITH_API_TOKEN, serviceAccountName } from './names.js';
import type { ResolvedRenderOptions } from './options.js';

/** Kubernetes minor version whose Pod Security Standards the namespace pins. */
export const PSS_VERSION = 'v1.30';

/** The namespace, labelled so that the API server enforces Pod Security `restricted` on every pod. */
export function namespace(o: ResolvedRenderOptions): Namespace {
  const pss: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    pss[`pod-security.kubernetes.io/${mode}`] = 'restricted';
    pss[`pod-security.kubernetes.io/${mode}-version`] = PSS_VERSION;
  }
  return new Namespace({ metadata: { name: o.namespace, labels: { ...COMMON_LABELS, ...pss } } });
}

/** One ServiceAccount per role; only the Argo executor's and the sensor's get an API token mounted. */
export function serviceAccounts(o: ResolvedRenderOptions): ServiceAccount[] {
  return ROLES.map(
    (role) =>
      new ServiceAccount({
        metadata: {
          name: serviceAccountName(role),
          namespace: o.namespace,
          labels: { ...COMMON_LABELS, 'app.kubernetes.io/component': role },
        },
        automountServiceAccountToken: ROLES_WITH_API_TOKEN.includes(role),
      }),
  );
}

/**
 * Least privilege: the Argo executor in each step pod reports outputs through `workflowtaskresults`
 * (create, patch), and the sensors create Workflows. Nothing else, no cluster-wide rights, no Secrets.
 */
export function rolesAndBindings(o: ResolvedRenderOptions): (Role | RoleBinding)[] {
  const grants = [
    {
      role: 'pipeline' as const,
      name: 'bookml-pipeline-executor',
      rules: [{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }],
    },
    {
      role: 'sensor' as const,
      name: 'bookml-sensor-submit',
      rules: [{ apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['create'] }],
    },
  ];
  return grants.flatMap((g) => {
    const metadata = {
      name: g.name,
      namespace: o.namespace,
      labels: { ...COMMON_LABELS, 'app.kubernetes.io/component': g.role },
    };
    return [
      new Role({ metadata, rules: g.rules }),
      new RoleBinding({
        metadata,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: g.name },
        subjects: [{ kind: 'ServiceAccount', name: serviceAccountName(g.role), namespace: o.namespace }],
      }),
    ];
  });
}
