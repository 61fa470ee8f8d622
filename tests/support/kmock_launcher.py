"""Serve kmock's Kubernetes emulator on 127.0.0.1 for Gantry's tests.

A subclass of ``kmock.KubernetesEmulator`` (kmock==0.8) that fixes the ways it
diverges from a real API server where Gantry's tests or kubectl need the real
behaviour. Every fix is listed in docs/testing.md. Gantry's requests are never
adapted to the emulator: only the emulator's answers are.

    python kmock_launcher.py --port-file FILE   # writes the chosen port, serves until SIGTERM
"""

import argparse
import asyncio
import base64
import copy
import datetime
import itertools
import re
import signal
import uuid

import aiohttp.web
import attrs
import kmock
from kmock._internal import enums, k8s, parsing, references

NAMESPACE_PATH = re.compile(r'^/api/v1/namespaces(?:/([^/]+))?(?:/(status|finalize))?/?$')
MAX_REQUEST_BYTES = 3 * 1024 * 1024
MAX_SECRET_BYTES = 1024 * 1024
REASONS = {400: 'BadRequest', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'AlreadyExists', 422: 'Invalid', 500: 'InternalError'}
_versions = itertools.count(1000)
BUILTIN_NAMESPACES = ('default', 'kube-system', 'kube-public', 'kube-node-lease')


def now() -> str:
    return datetime.datetime.now(tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def merge(base, patch):
    """Recursive merge as kmock's own patch does: dicts merge, anything else replaces, None removes."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(base)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge(out.get(k), v)
    return out


_parse_path = parsing.parse_path


def parse_path(path):
    """kmock reads /api/v1/namespaces[/NAME] as "in namespace NAME" with no resource (and fails on the list)."""
    m = NAMESPACE_PATH.match(path)
    if m:
        return parsing.ParsedPath('', 'v1', 'namespaces', None, m.group(1), m.group(2))
    return _parse_path(path)


parsing.parse_path = parse_path


def matches_labels(selector, labels):
    """Equality-based label selectors (k=v, k==v, k!=v, k, !k), as a real API server filters lists."""
    for term in (t.strip() for t in selector.split(',')):
        if not term:
            continue
        if '!=' in term:
            k, v = term.split('!=', 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif '=' in term:
            k, v = term.replace('==', '=').split('=', 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif term.startswith('!'):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


class Emulator(kmock.KubernetesEmulator):

    async def __call__(self, raw_request):
        # A real API server reads request bodies of up to 3 MiB; aiohttp stops at 1 MiB.
        raw_request._client_max_size = MAX_REQUEST_BYTES
        # Outside kmock's own test context managers, errors would escape as bare 500s: render them as Status.
        try:
            return await super().__call__(raw_request)
        except Exception as e:
            return await self._render_error(e)

    # --- request fixes -------------------------------------------------------

    def _fix_namespace_path(self, request):
        """kmock reads /api/v1/namespaces/NAME as "namespace NAME" with no resource."""
        m = NAMESPACE_PATH.match(request.url.path)
        if not m:
            return request
        name, sub = m.group(1), m.group(2)
        parsed = parsing.ParsedPath('', 'v1', 'namespaces', None, name, sub)
        action = parsing.guess_k8s(parsed, enums.method(request.method), dict(request.params))
        return attrs.evolve(request, resource=references.resource('', 'v1', 'namespaces'),
                            namespace=None, name=name, subresource=sub, action=action)

    def _find(self, request, name=None, namespace=None):
        ns = namespace if namespace is not None else request.namespace
        for (res, ons, oname), obj in self._objects.items():
            if res == request.resource and ons == ns and oname == (name or request.name) and not obj.deleted:
                return obj
        return None

    def _stamp_new(self, request, data):
        meta = data.setdefault('metadata', {})
        if request.namespace and not meta.get('namespace'):
            meta['namespace'] = request.namespace
        meta.setdefault('uid', str(uuid.uuid4()))
        meta.setdefault('creationTimestamp', now())
        meta['resourceVersion'] = str(next(_versions))
        meta.setdefault('generation', 1)
        kind = data.get('kind')
        if kind == 'Namespace':
            data.setdefault('status', {})['phase'] = 'Active'
        if kind == 'CustomResourceDefinition':
            spec = data.get('spec', {})
            data['status'] = {
                'acceptedNames': spec.get('names', {}),
                'conditions': [
                    {'type': 'NamesAccepted', 'status': 'True', 'reason': 'NoConflicts', 'message': 'no conflicts found', 'lastTransitionTime': now()},
                    {'type': 'Established', 'status': 'True', 'reason': 'InitialNamesAccepted', 'message': 'the initial names have been accepted', 'lastTransitionTime': now()},
                ],
                'storedVersions': [v.get('name') for v in spec.get('versions', []) if v.get('storage')],
            }
        return data

    def _crd_resources(self, crd):
        spec = crd.get('spec', {})
        names = spec.get('names', {})
        for v in spec.get('versions', []):
            if v.get('served', True):
                yield f"{spec.get('group')}/{v.get('name')}/{names.get('plural')}", names, spec.get('scope') == 'Namespaced'

    def _register_crd(self, crd):
        for key, names, namespaced in self._crd_resources(crd):
            self.resources[key] = references.ResourceInfo(
                kind=names.get('kind'), singular=names.get('singular'), namespaced=namespaced,
                shortnames=names.get('shortNames', []), categories=names.get('categories', []),
                verbs=['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'])

    def _cascade(self, match):
        for (res, ns, name), obj in list(self._objects.items()):
            if not obj.deleted and match(res, ns):
                obj.delete()

    def _status(self, code, reason, message):
        return aiohttp.web.json_response({
            'apiVersion': 'v1', 'kind': 'Status', 'metadata': {}, 'status': 'Failure',
            'code': code, 'reason': reason, 'message': message, 'details': {},
        }, status=code)

    def _conflict(self, request, name):
        return self._status(409, 'Conflict', f'Operation cannot be fulfilled on {request.resource.plural} "{name}": '
                            'the object has been modified; please apply your changes to the latest version and try again')

    def _oversized_secret(self, request):
        """A Secret's data may hold at most 1 MiB."""
        if request.resource is None or request.resource.plural != 'secrets' or not isinstance(request.data, dict):
            return None
        size = sum(len(base64.b64decode(v or '')) for v in (request.data.get('data') or {}).values())
        size += sum(len((v or '').encode()) for v in (request.data.get('stringData') or {}).values())
        if size <= MAX_SECRET_BYTES:
            return None
        name = (request.data.get('metadata') or {}).get('name') or request.name
        return self._status(422, 'Invalid', f'Secret "{name}" is invalid: data: Too long: must have at most {MAX_SECRET_BYTES} bytes')

    async def _replace(self, request):
        """PUT replaces the object, refused with 409 Conflict when the resourceVersion sent is not the current one."""
        async with self._lock:
            existing = self._find(request)
            if existing is None:
                raise k8s.KubernetesObjectNotFoundError()
            current = existing.raw.get('metadata', {})
            sent = (request.data.get('metadata') or {}).get('resourceVersion')
            if sent and sent != current.get('resourceVersion'):
                return self._conflict(request, request.name)
            data = copy.deepcopy(request.data)
            meta = data.setdefault('metadata', {})
            for key in ('uid', 'creationTimestamp', 'namespace', 'generation'):
                if key in current:
                    meta[key] = current[key]
            meta['resourceVersion'] = str(next(_versions))
            existing.create(data)
            raw = existing.raw
            await self._buses[request.resource].put({'type': 'MODIFIED', 'object': raw})
        return aiohttp.web.json_response(raw)

    def _failed_preconditions(self, request):
        """DELETE with preconditions (resourceVersion, uid) deletes only the object they describe."""
        pre = request.data.get('preconditions') if isinstance(request.data, dict) else None
        existing = self._find(request) if pre else None
        if existing is None:
            return None
        meta = existing.raw.get('metadata', {})
        for key in ('resourceVersion', 'uid'):
            if pre.get(key) and pre[key] != meta.get(key):
                return self._conflict(request, request.name)
        return None

    async def _handle(self, request):
        if request.resource is not None and request.subresource is None and not request.params.get('dryRun'):
            if request.method in ('POST', 'PUT'):
                refused = self._oversized_secret(request)
                if refused is not None:
                    return refused
            if request.method == 'PUT' and request.name and isinstance(request.data, dict):
                return await self._replace(request)
            if request.method == 'DELETE' and request.name:
                refused = self._failed_preconditions(request)
                if refused is not None:
                    return refused
        action = request.action
        is_apply = request.method == 'PATCH' and request.headers.get('Content-Type', '').startswith('application/apply-patch')
        if request.resource is not None and request.subresource is None:
            if action in (enums.action.CREATE, enums.action.UPDATE, enums.action.DELETE) and request.params.get('dryRun'):
                return await self._dry_run(request, is_apply)
            if is_apply and action == enums.action.UPDATE and isinstance(request.data, dict):
                existing = self._find(request)
                if existing is None:
                    # Server-side apply creates what does not exist yet.
                    data = self._stamp_new(request, request.data)
                    key = (request.resource, request.namespace, request.name)
                    async with self._lock:
                        if key in self._objects:
                            self._objects[key].create(data)
                        else:
                            self._objects[key] = data
                        raw = self._objects[key].raw
                        await self._buses[request.resource].put({'type': 'ADDED', 'object': raw})
                    if data.get('kind') == 'CustomResourceDefinition':
                        self._register_crd(data)
                    return aiohttp.web.json_response(raw, status=201)
                else:
                    request.data.setdefault('metadata', {})['resourceVersion'] = str(next(_versions))
            elif action == enums.action.CREATE and isinstance(request.data, dict):
                self._stamp_new(request, request.data)
            elif action == enums.action.UPDATE and isinstance(request.data, dict):
                request.data.setdefault('metadata', {})['resourceVersion'] = str(next(_versions))
            if action == enums.action.DELETE and request.name:
                existing = self._find(request)
                if existing is not None:
                    raw = existing.raw
                    if raw.get('kind') == 'CustomResourceDefinition':
                        keys = {k for k, _, _ in self._crd_resources(raw)}
                        self._cascade(lambda res, ns: f'{res.group}/{res.version}/{res.plural}' in keys)
                        for k in keys:
                            try:
                                del self.resources[k]
                            except KeyError:
                                pass
                    if raw.get('kind') == 'Namespace':
                        self._cascade(lambda res, ns, n=request.name: ns == n)
        response = await super()._handle(request)
        if request.resource is not None and isinstance(request.data, dict) and request.data.get('kind') == 'CustomResourceDefinition' \
                and request.action in (enums.action.CREATE, enums.action.UPDATE) and response.status < 300:
            self._register_crd(request.data)
        return response

    async def _dry_run(self, request, is_apply):
        """A dry run answers what would be stored, and stores nothing."""
        existing = self._find(request) if request.name else None
        if request.action == enums.action.DELETE:
            if existing is None:
                raise k8s.KubernetesObjectNotFoundError()
            return aiohttp.web.json_response(existing.raw)
        if request.action == enums.action.CREATE or existing is None:
            if request.action == enums.action.UPDATE and not is_apply:
                raise k8s.KubernetesObjectNotFoundError()
            if request.action == enums.action.CREATE:
                name = (request.data or {}).get('metadata', {}).get('name')
                if self._find(request, name=name, namespace=request.namespace or (request.data or {}).get('metadata', {}).get('namespace')):
                    raise k8s.KubernetesObjectConflictError()
            return aiohttp.web.json_response(self._stamp_new(request, copy.deepcopy(request.data or {})))
        return aiohttp.web.json_response(merge(existing.raw, request.data or {}))

    # --- response fixes ------------------------------------------------------

    async def _render_error(self, exc):
        """Standard Status reasons (NotFound, AlreadyExists), so clients map them."""
        if isinstance(exc, k8s.KubernetesError):
            reason = REASONS.get(exc.status, exc.reason)
            name = None
            return aiohttp.web.json_response({
                'apiVersion': 'v1', 'kind': 'Status', 'metadata': {}, 'status': 'Failure',
                'code': exc.status, 'reason': reason, 'message': exc.message or repr(exc),
                'details': {'name': name} if name else {},
            }, status=exc.status)
        return await super()._render_error(exc)

    async def _serve_list(self, request):
        """Lists carry their kind (ConfigMapList); a known resource with no objects lists empty."""
        try:
            out = await super()._serve_list(request)
        except k8s.KubernetesResourceNotFoundError:
            if request.resource is None or not any(r == request.resource for r in self.resources):
                raise
            out = {'metadata': {'resourceVersion': '1'}, 'items': []}
        info = None
        for r in self.resources:
            if r == request.resource:
                info = self.resources[r]
        res = request.resource
        out['apiVersion'] = 'v1' if not res.group else f'{res.group}/{res.version}'
        if info is not None and info.kind:
            out['kind'] = f'{info.kind}List'
            for item in out.get('items', []):
                item.setdefault('kind', info.kind)
                item.setdefault('apiVersion', out['apiVersion'])
        out['metadata'] = {'resourceVersion': str(next(_versions))}
        selector = request.params.get('labelSelector')
        if selector:
            out['items'] = [i for i in out.get('items', []) if matches_labels(selector, (i.get('metadata') or {}).get('labels') or {})]
        return out

    async def _serve_version(self, request):
        """The core group's groupVersion is "v1", not "/v1"."""
        out = await super()._serve_version(request)
        if request.resource is not None and not request.resource.group:
            out['groupVersion'] = request.resource.version
        return out

    async def _serve_apis(self, request):
        """No nameless group under /apis (the core group is served under /api)."""
        out = await super()._serve_apis(request)
        out['groups'] = [g for g in out.get('groups', []) if g.get('name')]
        return out


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file', required=True)
    args = ap.parse_args()
    emulator = Emulator()
    emulator.resources.load_bundled()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with kmock.Server(emulator, host='127.0.0.1', port=args.port or None) as server:
        # A real cluster starts with these namespaces; kmock starts with none, and objects
        # such as a device plugin DaemonSet in kube-system would wait for it forever.
        async with aiohttp.ClientSession() as client:
            for name in BUILTIN_NAMESPACES:
                body = {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': name}}
                async with client.post(f'http://127.0.0.1:{server.port}/api/v1/namespaces', json=body) as response:
                    response.raise_for_status()
        with open(args.port_file + '.tmp', 'w') as f:
            f.write(str(server.port))
        import os
        os.replace(args.port_file + '.tmp', args.port_file)
        await stop.wait()


if __name__ == '__main__':
    asyncio.run(main())
