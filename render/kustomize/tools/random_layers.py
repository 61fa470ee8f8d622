#!/usr/bin/env python3
"""Writes a random three-layer kustomization tree (base b, overlays o and t,
component c) to directory OUT from a seed: a handful of workload,
service, RBAC and storage objects, each layer drawing prefixes, suffixes,
namespaces, labels, annotations, images, replicas, generators, JSON and
strategic-merge patches (including Service ports), replacements,
components and sort options at random. Used to compare this
crate with `kubectl kustomize` on many combinations:

    for i in $(seq 1 200); do
      tools/random_layers.py $i rl
      kubectl kustomize rl/t > k.yaml; kbuild rl/t > m.yaml; cmp k.yaml m.yaml
    done

The corpus cases random_components_* were made by this script, and
random_layers_* by its first version (without replacements and components).
"""
import random, os, shutil, subprocess, sys
R = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
OUT = sys.argv[2]
RES = {
'deploy.yaml': """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: runner
      containers:
      - name: web
        image: nginx:1.0
        ports:
        - containerPort: 80
        envFrom:
        - configMapRef:
            name: cfg
        env:
        - name: SECRET
          valueFrom:
            secretKeyRef:
              name: sec
              key: k
      volumes:
      - name: data
        persistentVolumeClaim:
          claimName: pvc
""",
'svc.yaml': """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
""",
'sa.yaml': """apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: runner
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: runner
subjects:
- kind: ServiceAccount
  name: runner
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: runner
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get]
""",
'pvc.yaml': """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: pvc
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
""",
'sts.yaml': """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: web
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres:15
        volumeMounts:
        - name: d
          mountPath: /data
  volumeClaimTemplates:
  - metadata:
      name: d
    spec:
      accessModes: [ReadWriteOnce]
""",
'cj.yaml': """apiVersion: batch/v1
kind: CronJob
metadata:
  name: job
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: job
            image: busybox
            args: [echo, hi]
""",
'ing.yaml': """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - host: example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
""",
}
def kust(level, resources):
    k = {'resources': resources}
    lines = ['resources:'] + [f'- {r}' for r in resources]
    if R.random() < 0.5: lines.append(f'namePrefix: {level}{R.choice(["a","b"])}-')
    if R.random() < 0.3: lines.append(f'nameSuffix: -{level}s')
    if R.random() < 0.4: lines.append(f'namespace: ns-{level}')
    if R.random() < 0.4: lines += ['commonLabels:', f'  lvl: {level}', f'  "team{level}": "x"']
    if R.random() < 0.4:
        lines += ['labels:', '- pairs:', f'    l{level}: v', f'  includeSelectors: {R.choice(["true","false"])}', f'  includeTemplates: {R.choice(["true","false"])}']
    if R.random() < 0.4: lines += ['commonAnnotations:', f'  note{level}: "hello {level}"']
    if R.random() < 0.4: lines += ['images:', '- name: nginx', f'  newTag: "1.{R.randint(1,9)}"'] + (['- name: postgres', '  newName: registry.local/pg', '  digest: sha256:abcd'] if R.random()<0.5 else [])
    if R.random() < 0.3: lines += ['replicas:', '- name: web', f'  count: {R.randint(0,5)}']
    if level == 'b' or R.random() < 0.5:
        beh = R.choice(['merge','replace'])
        lines += ['configMapGenerator:', '- name: cfg'] + ([f'  behavior: {beh}'] if level != 'b' else []) + ['  literals:', f'  - K{level}=v{R.randint(1,99)}']
        if R.random()<0.5: lines += ['  options:', '    disableNameSuffixHash: true']
    if R.random() < 0.4 and level == 'b':
        lines += ['secretGenerator:', '- name: sec', '  literals:', '  - k=secret']
    if R.random() < 0.4:
        lines += ['patches:', '- target:', '    kind: Deployment', '  patch: |-', '    - op: add', '      path: /metadata/annotations/patched', f'      value: "{level}"']
    if R.random() < 0.4:
        lines += ['- patch: |-' if 'patches:' in lines else 'patches:\n- patch: |-',
                  '    apiVersion: apps/v1', '    kind: Deployment', '    metadata:', '      name: web', '    spec:', '      template:', '        spec:', '          containers:',
                  '          - name: sidecar', '            image: envoy', '          - name: web', '            env:', '            - name: NEW', f'              value: "{level}"']
    if R.random() < 0.3:
        lines += ['replacements:', '- source:', '    kind: Service', '    fieldPath: spec.ports.0.port', '  targets:', '  - select:', '      kind: Deployment',
                  '    fieldPaths:', '    - spec.template.spec.containers.[name=web].ports.0.containerPort', '    - metadata.annotations.port', '    options:', '      create: true']
        if 'svc.yaml' not in str(resources) and level == 'b':
            lines = [l for l in lines]
    if R.random() < 0.3:
        lines += ['patches:' if 'patches:' not in lines else '- target:\n    labelSelector: app=web\n  patch: |-\n    - op: replace\n      path: /metadata/labels/app\n      value: web2'] if False else []
        lines += (['patches:'] if 'patches:' not in lines else []) + ['- target:', '    kind: Service', '  patch: |-', '    apiVersion: v1', '    kind: Service', '    metadata:', '      name: x', '    spec:', '      ports:', '      - port: 80', '        name: http', '      - port: 443', f'        targetPort: {R.randint(1000,9000)}']
    if R.random() < 0.2:
        lines += ['sortOptions:', f'  order: {R.choice(["fifo","legacy"])}']
    if level == 'o' and R.random() < 0.5:
        lines += ['components:', '- ../c']
    return '\n'.join(lines) + '\n'

shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT + '/b')
names = list(RES)
chosen = ['deploy.yaml', 'svc.yaml'] + R.sample([n for n in names if n not in ('deploy.yaml','svc.yaml')], R.randint(1, len(names)-2))
base_res = chosen
if 'deploy.yaml' in chosen and R.random() < 0.7:
    # keep name refs satisfiable sometimes
    pass
for n in chosen:
    open(f'{OUT}/b/{n}', 'w').write(RES[n])
extra = ''
if 'deploy.yaml' in chosen:
    extra = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  base: \"1\"\n" if R.random()<0.3 else ''
if extra:
    open(f'{OUT}/b/cm.yaml','w').write(extra); base_res = chosen + ['cm.yaml']
kb = kust('b', base_res)
if extra: kb = kb.replace('configMapGenerator:\n- name: cfg', 'configMapGenerator:\n- name: other')
open(f'{OUT}/b/kustomization.yaml', 'w').write(kb)
os.makedirs(OUT + '/c')
open(f'{OUT}/c/kustomization.yaml','w').write('apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n' + R.choice([
  'namePrefix: comp-\n', 'commonLabels:\n  comp: yes-please\n', 'images:\n- name: busybox\n  newTag: "9"\n',
  'patches:\n- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n      path: /spec/template/metadata/annotations\n      value: {c: "1"}\n',
  'configMapGenerator:\n- name: cfg\n  behavior: merge\n  literals:\n  - COMP=1\n', 'resources:\n- extra.yaml\n']))
open(f'{OUT}/c/extra.yaml','w').write('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: comp-extra\n')
os.makedirs(OUT + '/o')
open(f'{OUT}/o/kustomization.yaml', 'w').write(kust('o', ['../b']))
os.makedirs(OUT + '/t')
open(f'{OUT}/t/kustomization.yaml', 'w').write(kust('t', ['../o']))
