// Kubernetes NetworkPolicy semantics, enough to compute who may open a TCP connection to whom from the
// rendered policies: a pod selected by any policy of a direction is isolated in that direction, and then
// only what some rule of those policies allows passes; a connection needs the sender's egress and the
// receiver's ingress. Peers by podSelector / namespaceSelector (ipBlock peers never match a pod here).
import { isRecord, type JsonRecord } from './shape.js';

export interface Pod {
  /** For the matrix, e.g. `order-service` or `ingress-nginx/controller`. */
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  namespaceLabels: Readonly<Record<string, string>>;
}

export interface Policy {
  namespace: string;
  spec: JsonRecord;
}

type Labels = Readonly<Record<string, string>>;

/** A Kubernetes label selector; an empty selector matches everything, an absent one is handled by callers. */
export function selectorMatches(selector: unknown, labels: Labels): boolean {
  if (!isRecord(selector)) return false;
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  const expressions = Array.isArray(selector.matchExpressions)
    ? (selector.matchExpressions as unknown[])
    : [];
  for (const expression of expressions) {
    if (!isRecord(expression)) return false;
    const key = String(expression.key);
    const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
    const has = Object.hasOwn(labels, key);
    switch (expression.operator) {
      case 'In':
        if (!has || !values.includes(labels[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unsupported selector operator ${String(expression.operator)}`);
    }
  }
  return true;
}

function peerMatches(peer: unknown, policyNamespace: string, pod: Pod): boolean {
  if (!isRecord(peer)) return false;
  if (peer.ipBlock !== undefined) return false;
  const namespaceOk =
    peer.namespaceSelector === undefined
      ? pod.namespace === policyNamespace
      : selectorMatches(peer.namespaceSelector, pod.namespaceLabels);
  const podOk = peer.podSelector === undefined || selectorMatches(peer.podSelector, pod.labels);
  return namespaceOk && podOk;
}

function portMatches(ports: unknown, port: number, protocol: string): boolean {
  if (!Array.isArray(ports) || ports.length === 0) return true;
  return ports.some((entry) => {
    if (!isRecord(entry)) return false;
    if ((typeof entry.protocol === 'string' ? entry.protocol : 'TCP') !== protocol) return false;
    if (entry.port === undefined) return true;
    if (typeof entry.port !== 'number')
      throw new Error(`named port ${JSON.stringify(entry.port)}: use numbers in policies`);
    const end = typeof entry.endPort === 'number' ? entry.endPort : entry.port;
    return port >= entry.port && port <= end;
  });
}

function typesOf(spec: JsonRecord): string[] {
  if (Array.isArray(spec.policyTypes)) return spec.policyTypes.map(String);
  return spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

function directionAllows(
  policies: readonly Policy[],
  direction: 'Ingress' | 'Egress',
  subject: Pod,
  peer: Pod,
  port: number,
  protocol: string,
): boolean {
  const applying = policies.filter(
    (policy) =>
      policy.namespace === subject.namespace &&
      typesOf(policy.spec).includes(direction) &&
      selectorMatches(policy.spec.podSelector ?? {}, subject.labels),
  );
  if (applying.length === 0) return true;
  const rulesKey = direction === 'Ingress' ? 'ingress' : 'egress';
  const peersKey = direction === 'Ingress' ? 'from' : 'to';
  return applying.some((policy) => {
    const rules = Array.isArray(policy.spec[rulesKey]) ? (policy.spec[rulesKey] as unknown[]) : [];
    return rules.some((rule) => {
      if (!isRecord(rule)) return false;
      const peers = Array.isArray(rule[peersKey]) ? (rule[peersKey] as unknown[]) : [];
      const peerOk =
        peers.length === 0 || peers.some((candidate) => peerMatches(candidate, policy.namespace, peer));
      return peerOk && portMatches(rule.ports, port, protocol);
    });
  });
}

/** Whether `from` may connect to `to` on `port` under `policies`. */
export function allowed(
  policies: readonly Policy[],
  from: Pod,
  to: Pod,
  port: number,
  protocol = 'TCP',
): boolean {
  return (
    directionAllows(policies, 'Egress', from, to, port, protocol) &&
    directionAllows(policies, 'Ingress', to, from, port, protocol)
  );
}
