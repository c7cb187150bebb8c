/**
 * Generated configs for bench/drift.bench.ts: two stages' configuration of ~100,000 leaves each,
 * 1% of the leaves changed and some identity-keyed lists reordered; and 500 Kubernetes manifests
 * per stage as multi-document YAML. Deterministic (seeded), so every run diffs the same data.
 */
import type { ConfigMap } from '../src/drift/types.js';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedPair {
  upstream: ConfigMap;
  downstream: ConfigMap;
  leaves: number;
  /** The real differences: changed leaves (reordering is not a difference). */
  changed: number;
}

const SERVICES = 1000;
const ENV = 43;

/** Two configs of about 100,000 leaves; `downstream` has 1% of the leaves changed and 10% of env lists reordered. */
export function generateConfigPair(seed = 42): GeneratedPair {
  const rand = random(seed);
  const services = [];
  for (let s = 0; s < SERVICES; s++) {
    const env = [];
    for (let e = 0; e < ENV; e++) env.push({ name: `VAR_${s}_${e}`, value: `value-${s}-${e}` });
    services.push({
      name: `svc-${s}`,
      host: `svc-${s}.staging.internal`,
      port: 8000 + (s % 100),
      replicas: 2,
      env,
      limits: { cpu: '500m', memory: '256Mi', timeoutSeconds: 30, retries: 3 },
      features: { [`feature_${s}_a`]: false, [`feature_${s}_b`]: true, [`feature_${s}_c`]: false },
      labels: ['web', `tier-${s % 3}`, `team-${s % 7}`],
    });
  }
  const upstream: ConfigMap = { services, global: { region: 'eu-west-1', logLevel: 'info' } };
  const downstream = structuredClone(upstream);
  const downServices = downstream.services as ConfigMap[];
  let leaves = 0;
  const count = (value: unknown) => {
    if (value !== null && typeof value === 'object') Object.values(value).forEach(count);
    else leaves++;
  };
  count(upstream);
  // 1% of the leaves: change env values, spread over the services.
  const changes = Math.round(leaves / 100);
  const chosen = new Set<string>();
  while (chosen.size < changes) {
    const s = Math.floor(rand() * SERVICES);
    const e = Math.floor(rand() * ENV);
    const key = `${s}/${e}`;
    if (chosen.has(key)) continue;
    chosen.add(key);
    ((downServices[s]!.env as ConfigMap[])[e] as ConfigMap).value = `changed-${s}-${e}`;
  }
  // Reorder 10% of the env lists and move one service to the front: identity noise for index diffs.
  for (let s = 0; s < SERVICES; s += 10) (downServices[s]!.env as ConfigMap[]).reverse();
  downServices.unshift(downServices.splice(SERVICES / 2, 1)[0]!);
  return { upstream, downstream, leaves, changed: changes };
}

/** 500 manifests (Deployments, Services, ConfigMaps) as one multi-document YAML text per stage. */
export function generateManifests(stage: 'staging' | 'prod', count = 500): string {
  const documents: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `app-${Math.floor(i / 3)}`;
    if (i % 3 === 0) {
      documents.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
  labels: {app: ${name}, tier: backend}
spec:
  replicas: ${stage === 'prod' && i % 30 === 0 ? 6 : 2}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      serviceAccountName: ${name}
      containers:
        - name: app
          image: registry.example.com/shop/${name}@sha256:${'a'.repeat(64)}
          ports: [{name: http, containerPort: 8080}]
          env:
            - {name: DB_URL, value: "postgres://db.${stage}.internal:5432/${name}"}
            - {name: LOG_LEVEL, value: info}
            - {name: CACHE_TTL, value: "300"}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
        - name: proxy
          image: envoyproxy/envoy:v1.30
          args: ["--config", "/etc/envoy/envoy.yaml"]
`);
    } else if (i % 3 === 1) {
      documents.push(`apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: 8080}]
`);
    } else {
      documents.push(`apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}-config, namespace: shop}
data:
  queue: orders-${stage}
  batchSize: "${stage === 'prod' ? 500 : 50}"
  greeting: hello
`);
    }
  }
  return documents.join('---\n');
}
