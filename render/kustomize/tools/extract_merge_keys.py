#!/usr/bin/env python3
"""Extract the strategic-merge-patch schema table used by src/smp/schema.rs.

Input: the Kubernetes OpenAPI bundle that kustomize embeds, from a checkout of
kubernetes-sigs/kustomize:
    kyaml/openapi/kubernetesapi/data/kubernetes-openapi-union-v1.21.2.bundle-v1.json.gz
(the same v1.21.2 schema kustomize v5.5.0 ships as swagger.pb).

Output (stdout): compact JSON
    {"kinds": {"group/version/Kind": "Type"},
     "types": {"Type": {"field": [childType|null, strategy|null, [keys...]]}}}
Only fields that lead to an object type or carry a patch strategy are kept;
type names drop the "io.k8s." prefix.

Usage: extract_merge_keys.py BUNDLE.json.gz > src/smp/merge_keys.json
"""
import gzip
import json
import sys


def short(ref):
    name = ref.rsplit("/", 1)[-1]
    return name[len("io.k8s."):] if name.startswith("io.k8s.") else name


def main(path):
    with gzip.open(path, "rt") as f:
        doc = json.load(f)
    defs = doc["definitions"]
    kinds = {}
    types = {}
    for name, d in sorted(defs.items()):
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            g = gvk.get("group", "")
            key = f'{g}/{gvk["version"]}/{gvk["kind"]}'
            kinds.setdefault(key, short(name))
        fields = {}
        for field, p in sorted(d.get("properties", {}).items()):
            child = None
            if "$ref" in p:
                child = short(p["$ref"])
            elif p.get("type") == "array" and "$ref" in p.get("items", {}):
                child = short(p["items"]["$ref"])
            elif "$ref" in p.get("additionalProperties", {}):
                child = "map:" + short(p["additionalProperties"]["$ref"])
            strategy = p.get("x-kubernetes-patch-strategy")
            keys = p.get("x-kubernetes-list-map-keys")
            if keys is None and "x-kubernetes-patch-merge-key" in p:
                keys = [p["x-kubernetes-patch-merge-key"]]
            if child is None and strategy is None:
                continue
            if child is not None and child not in defs and ("io.k8s." + child.removeprefix("map:")) not in defs:
                pass
            fields[field] = [child, strategy, keys or []]
        if fields:
            types[short(name)] = fields
    json.dump({"kinds": kinds, "types": types}, sys.stdout, separators=(",", ":"), sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
