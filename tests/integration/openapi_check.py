#!/usr/bin/env python3
"""openapi_check.py - doc/openapi.yaml against what a running vigild answers.

  openapi_check.py --doc FILE --base URL --token-file FILE --mode MODE
                   [--cors-origin ORIGIN] [--only-doc]

Prints one line per check, "ok DESCRIPTION" or "not ok DESCRIPTION", with
"# " diagnostic lines after a failure; t_openapi.sh numbers them as TAP.
Exit status 0 when every check passed, 1 otherwise, 2 on a usage error.

MODE open (vigild with the default options: reads need no token, no CORS):
  - the document: OpenAPI 3.1, every $ref resolves, every schema is a valid
    JSON Schema (2020-12), every path parameter is declared;
  - every documented GET (ids taken from the lists), HEAD, and every
    documented query parameter: the status is documented, the body
    validates against the schema documented for that status and media type;
  - every edit operation exists (401 without the token, not 404);
  - on every path, the methods the document does not list answer 405 with
    an Allow header naming exactly the documented ones;
  - the errors: 404 (unknown ids, unknown path), 401, 403, 415, 422, 400,
    413 (and 409 when an instance has priority 255) against the Error
    schema, and 400 for bad query parameters of /history and /events; edits that succeed against the object's schema; the document's
    request schemas refuse what the server refuses;
  - paging of /history and /events (limit, cursor, filters);
  - no CORS header without --http-cors-origin.
MODE auth-all (vigild with --http-auth=all --http-cors-origin=ORIGIN):
  - every documented read without the token: 401 (and WWW-Authenticate),
    with a wrong token: 403, with the token: 200 and its schema; the status
    page needs none;
  - CORS: the preflight (OPTIONS) answers 204 with the headers for ORIGIN,
    a GET from ORIGIN carries Access-Control-Allow-Origin, another origin
    gets none.

Standard library, PyYAML and jsonschema (Debian's python3-yaml and
python3-jsonschema, 4.10 or later: Draft 2020-12).
"""

import argparse
import http.client
import json
import re
import sys
import urllib.parse

try:
    import yaml
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:  # t_openapi.sh checks first; this is for a direct run
    print("not ok python3 has PyYAML and jsonschema (%s)" % e)
    sys.exit(1)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
OP_KEYS = ["get", "head", "post", "put", "patch", "delete", "options", "trace"]

FAILED = 0
COUNT = 0


def ok(cond, desc, diags=()):
    global FAILED, COUNT
    COUNT += 1
    desc = desc.replace("\n", " ")
    if cond:
        print("ok " + desc)
    else:
        FAILED += 1
        print("not ok " + desc)
        for d in diags:
            for line in str(d).splitlines() or [""]:
                print("# " + line)
    sys.stdout.flush()
    return cond


# ---------------------------------------------------------------- HTTP ----

class Answer:
    def __init__(self, status, headers, body, error=None):
        self.status = status
        self.headers = headers          # lower-case name -> value
        self.body = body                # bytes
        self.error = error

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def brief(self):
        if self.error:
            return "no answer: %s" % self.error
        return "HTTP %s, %s: %s" % (self.status, self.header("content-type"),
                                    self.body[:300].decode("utf-8", "replace"))


class Client:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host = u.hostname
        self.port = u.port or 80

    def req(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = body.encode("utf-8")
        try:
            c = http.client.HTTPConnection(self.host, self.port, timeout=20)
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            c.close()
            return Answer(r.status, hdrs, data)
        except (OSError, http.client.HTTPException) as e:
            return Answer(None, {}, b"", error="%s: %s" % (type(e).__name__, e))


# ------------------------------------------------------------ document ----

class Doc:
    def __init__(self, path):
        with open(path) as f:
            self.d = yaml.safe_load(f)
        self.components = self.d.get("components", {})

    def resolve(self, node):
        seen = 0
        while isinstance(node, dict) and "$ref" in node and len(node) == 1:
            node = self.ref(node["$ref"])
            seen += 1
            if seen > 20:
                raise ValueError("$ref loop")
        return node

    def ref(self, r):
        if not r.startswith("#/"):
            raise ValueError("external $ref %s" % r)
        node = self.d
        for part in r[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[part]
        return node

    def validator(self, schema):
        root = dict(schema)
        root["components"] = self.components
        return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER
                                    if hasattr(Draft202012Validator, "FORMAT_CHECKER")
                                    else jsonschema.FormatChecker())

    def schema_errors(self, schema, value, limit=8):
        v = self.validator(schema)
        errs = sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))
        out = []
        for e in errs:
            out.extend(flatten_error(e))
        # unique, shortest first
        uniq = []
        for m in out:
            if m not in uniq:
                uniq.append(m)
        return uniq[:limit]

    def paths(self):
        return self.d.get("paths", {})

    def ops(self, path):
        item = self.paths()[path]
        return {k.upper(): v for k, v in item.items() if k in OP_KEYS}

    def response(self, op, status):
        r = op.get("responses", {}).get(str(status))
        return self.resolve(r) if r is not None else None

    def schema_name(self, schema):
        if isinstance(schema, dict) and "$ref" in schema:
            return schema["$ref"].rsplit("/", 1)[-1]
        if isinstance(schema, dict) and "oneOf" in schema:
            return " | ".join(self.schema_name(s) for s in schema["oneOf"])
        return "its schema"


def flatten_error(e, depth=0):
    """The leaf messages of a validation error (oneOf/anyOf: each branch)."""
    where = "/".join(str(p) for p in e.absolute_path) or "(top)"
    if e.context and depth < 3:
        out = []
        for sub in e.context:
            out.extend(flatten_error(sub, depth + 1))
        if out:
            return out
    msg = e.message
    if len(msg) > 240:
        msg = msg[:240] + "..."
    return ["at %s: %s" % (where, msg)]


def media_of(resp, ctype):
    """The documented media type entry for a Content-Type, or None."""
    content = resp.get("content") or {}
    if not ctype:
        return None, None
    norm = ";".join(p.strip().lower() for p in ctype.split(";"))
    for k, v in content.items():
        if ";".join(p.strip().lower() for p in k.split(";")) == norm:
            return k, v
    base = norm.split(";")[0]
    for k, v in content.items():
        if k.split(";")[0].strip().lower() == base and ";" not in k:
            return k, v
    return None, None


def check_answer(doc, op, a, want_status, desc, extra=()):
    """The answer has want_status, which the operation documents, its media
    type is documented, and its body validates.  One check line."""
    diags = list(extra)
    if a.error:
        return ok(False, desc, [a.brief()] + diags)
    if a.status != want_status:
        return ok(False, desc, ["status %s, wanted %s" % (a.status, want_status), a.brief()] + diags)
    resp = doc.response(op, a.status)
    if resp is None:
        return ok(False, desc, ["status %s is not documented for this operation" % a.status] + diags)
    if not resp.get("content"):
        good = not a.body
        return ok(good, desc, ["a body where the document has none: " + a.brief()] + diags)
    key, media = media_of(resp, a.header("content-type"))
    if media is None:
        return ok(False, desc, ["Content-Type %r is not documented (documented: %s)" %
                                (a.header("content-type"), ", ".join(resp["content"]))] + diags)
    schema = media.get("schema", {})
    if key.startswith("application/json"):
        try:
            value = a.json()
        except ValueError as e:
            return ok(False, desc, ["the body is not JSON: %s" % e, a.brief()] + diags)
    else:
        value = a.body.decode("utf-8", "replace")
    errs = doc.schema_errors(schema, value)
    for name, hdr in (resp.get("headers") or {}).items():
        hdr = doc.resolve(hdr)
        got = a.header(name)
        if got is None:
            if hdr.get("required"):
                errs.append("header %s is missing" % name)
            continue
        errs.extend("header %s: %s" % (name, m) for m in doc.schema_errors(hdr.get("schema", {}), got))
    return ok(not errs, desc, errs + diags)


# --------------------------------------------------------------- checks ----

def check_document(doc):
    d = doc.d
    ok(isinstance(d, dict) and str(d.get("openapi", "")).startswith("3.1."),
       "the document is OpenAPI 3.1 (openapi: %s)" % (d.get("openapi") if isinstance(d, dict) else "?"))
    bad = []

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str):
                    try:
                        doc.ref(v)
                    except (KeyError, ValueError, TypeError):
                        bad.append("%s: %s" % (where, v))
                else:
                    walk(v, where + "/" + str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s/%d" % (where, i))
    walk(d, "#")
    ok(not bad, "every $ref in the document resolves", bad[:10])

    bad = []
    for name, s in doc.components.get("schemas", {}).items():
        try:
            Draft202012Validator.check_schema(s)
        except jsonschema.exceptions.SchemaError as e:
            bad.append("%s: %s" % (name, e.message))
    ok(not bad, "every schema under components is a valid JSON Schema (2020-12)", bad)

    bad = []
    for path, item in doc.paths().items():
        names = set(re.findall(r"\{([^}]+)\}", path))
        declared = set()
        for p in item.get("parameters", []):
            p = doc.resolve(p)
            if p.get("in") == "path":
                declared.add(p["name"])
        if names != declared:
            bad.append("%s: template %s, declared %s" % (path, sorted(names), sorted(declared)))
        for m, op in doc.ops(path).items():
            if not op.get("responses"):
                bad.append("%s %s: no responses" % (m, path))
    ok(not bad, "every path parameter is declared, every operation has responses", bad)


def discover(cl, headers):
    """The ids to put into the paths: the first of each list."""
    ids = {"instance": None, "vs": None, "rs": None, "owner": None, "inst_prio": None}
    a = cl.req("GET", "/api/v1/instances", headers=headers)
    try:
        insts = a.json()["instances"]
        if insts:
            ids["instance"] = insts[0]["id"]
            ids["inst_prio"] = insts[0].get("base_priority")
        for i in insts:
            if i.get("base_priority") == 255:
                ids["owner"] = i["id"]
    except (ValueError, KeyError, TypeError, IndexError):
        pass
    a = cl.req("GET", "/api/v1/virtual-servers", headers=headers)
    try:
        vss = a.json()["virtual_servers"]
        if vss:
            ids["vs"] = vss[0]["id"]
    except (ValueError, KeyError, TypeError, IndexError):
        pass
    if ids["vs"]:
        a = cl.req("GET", "/api/v1/virtual-servers/%d/real-servers" % ids["vs"], headers=headers)
        try:
            rss = a.json()["real_servers"]
            if rss:
                ids["rs"] = rss[0]["id"]
        except (ValueError, KeyError, TypeError, IndexError):
            pass
    return ids


def concrete(path, ids):
    """The path with ids put in, or None when an id is not known."""
    if "{id}" in path and path.startswith("/api/v1/instances"):
        if not ids["instance"]:
            return None
        path = path.replace("{id}", str(ids["instance"]))
    if "{id}" in path and path.startswith("/api/v1/virtual-servers"):
        if not ids["vs"]:
            return None
        path = path.replace("{id}", str(ids["vs"]))
    if "{rs_id}" in path:
        if not ids["rs"]:
            return None
        path = path.replace("{rs_id}", str(ids["rs"]))
    return path


def query_examples(doc, path, op, ids):
    """(description, query string) for each documented query parameter."""
    out = []
    params = [doc.resolve(p) for p in doc.paths()[path].get("parameters", []) + op.get("parameters", [])]
    for p in params:
        if p.get("in") != "query":
            continue
        n = p["name"]
        s = doc.resolve(p.get("schema", {}))
        if "enum" in s:
            for v in s["enum"]:
                out.append((n, "%s=%s" % (n, v)))
        elif n == "instance":
            if ids["instance"]:
                out.append((n, "instance=%d" % ids["instance"]))
        elif n == "real_server":
            if ids["rs"]:
                out.append((n, "real_server=%d" % ids["rs"]))
        elif n in ("since", "until"):
            out.append((n + " (Unix ms)", "%s=%d" % (n, 1000000000000 if n == "since" else 4102444800000)))
            out.append((n + " (RFC 3339)", "%s=%s" % (n, urllib.parse.quote(
                "2001-09-09T01:46:40.000Z" if n == "since" else "2100-01-01T00:00:00Z"))))
        elif n == "limit":
            out.append((n, "limit=1"))
            out.append((n, "limit=1000"))
        elif n == "cursor":
            pass        # only from a `next`: the paging check
        elif n == "action":
            out.append((n, "action=drain"))
        elif n == "who":
            out.append((n, "who=%s" % urllib.parse.quote("http 127.0.0.1")))
        else:
            out.append((n, "%s=x" % n))
    return out


def check_reads(doc, cl, ids, headers, label=""):
    for path in doc.paths():
        ops = doc.ops(path)
        p = concrete(path, ids)
        if p is None:
            ok(False, "%sGET %s: no id to put in the path (the lists are empty?)" % (label, path))
            continue
        get_ctype = None
        if "GET" in ops:
            a = cl.req("GET", p, headers=headers)
            resp = doc.response(ops["GET"], 200) or {}
            schema = None
            for m in (resp.get("content") or {}).values():
                schema = m.get("schema")
            check_answer(doc, ops["GET"], a, 200, "%sGET %s%s: 200, %s" % (
                label, path, "" if p == path else " (%s)" % p, doc.schema_name(schema)))
            get_ctype = a.header("content-type")
            for pname, q in query_examples(doc, path, ops["GET"], ids):
                a = cl.req("GET", p + "?" + q, headers=headers)
                check_answer(doc, ops["GET"], a, 200, "%sGET %s?%s: 200, %s (query parameter %s)" % (
                    label, path, urllib.parse.unquote(q), doc.schema_name(schema), pname))
        if "HEAD" in ops:
            a = cl.req("HEAD", p, headers=headers)
            good = a.status == 200 and not a.body and a.header("content-type") == get_ctype
            ok(good, "%sHEAD %s: 200, no body, the Content-Type of GET" % (label, path),
               [a.brief(), "GET's Content-Type: %s" % get_ctype])


def allowed_set(a):
    v = a.header("allow") or ""
    return set(x.strip() for x in v.split(",") if x.strip())


def check_methods(doc, cl, ids, cors):
    for path in doc.paths():
        ops = doc.ops(path)
        p = concrete(path, ids)
        if p is None:
            ok(False, "methods of %s: no id to put in the path" % path)
            continue
        documented = set(ops)
        if not cors:
            documented.discard("OPTIONS")
        # every documented edit exists: answers, and not 404
        for m in ("POST", "PATCH", "PUT", "DELETE"):
            if m in ops:
                a = cl.req(m, p, body="{}", headers={"Content-Type": "application/json"})
                check_answer(doc, ops[m], a, 401,
                             "%s %s exists: 401 without the token (not 404), Error, WWW-Authenticate" % (m, path))
        wrong = [m for m in METHODS if m not in documented]
        bad = []
        for m in wrong:
            a = cl.req(m, p, headers={"Origin": "https://elsewhere.example"} if m == "OPTIONS" else None)
            if a.error:
                bad.append("%s: %s" % (m, a.brief()))
                continue
            if a.status != 405:
                bad.append("%s: status %s, wanted 405: %s" % (m, a.status, a.brief()))
                continue
            al = allowed_set(a) - {"OPTIONS"}
            want = documented - {"OPTIONS"}
            if al != want:
                bad.append("%s: Allow: %s, the document has %s" % (m, a.header("allow"), ", ".join(sorted(want))))
            if m != "HEAD":
                errs = doc.schema_errors({"$ref": "#/components/schemas/Error"}, safe_json(a))
                bad.extend("%s: %s" % (m, e) for e in errs)
            if m == "OPTIONS" and "OPTIONS" in ops:
                resp = doc.response(ops["OPTIONS"], 405)
                if resp is None:
                    bad.append("OPTIONS: 405 is not documented for it")
        ok(not bad, "%s on %s: 405, Allow: %s, Error" % (", ".join(wrong), path,
                                                         ", ".join(m for m in METHODS if m in documented)), bad)


def safe_json(a):
    try:
        return a.json()
    except ValueError:
        return "(not JSON: %r)" % a.body[:200]


def op_of(doc, path, method):
    return doc.ops(path).get(method, {})


def check_errors(doc, cl, ids, token):
    inst_p = "/api/v1/instances/{id}"
    vs_p = "/api/v1/virtual-servers/{id}"
    rsl_p = "/api/v1/virtual-servers/{id}/real-servers"
    rs_p = "/api/v1/virtual-servers/{id}/real-servers/{rs_id}"
    act_p = "/api/v1/instances/{id}/actions"
    J = {"Content-Type": "application/json"}
    AUTH = dict(J, Authorization="Bearer " + token)

    # ---- 404 ----
    for path, concrete_p in ((inst_p, "/api/v1/instances/999999"),
                             (inst_p, "/api/v1/instances/abc"),
                             (vs_p, "/api/v1/virtual-servers/999999"),
                             (rsl_p, "/api/v1/virtual-servers/999999/real-servers"),
                             (rs_p, "/api/v1/virtual-servers/%s/real-servers/999999" % ids["vs"]),
                             (act_p, "/api/v1/instances/999999/actions")):
        method = "POST" if path == act_p else "GET"
        headers = AUTH if method == "POST" else None
        a = cl.req(method, concrete_p, body='{"action":"restore"}' if method == "POST" else None, headers=headers)
        check_answer(doc, op_of(doc, path, method), a, 404, "%s %s: 404, Error (field id)" % (method, concrete_p))
        try:
            if a.status == 404 and a.json()["error"]["field"] != "id":
                ok(False, "... the 404 names the field id", [a.brief()])
        except (ValueError, KeyError, TypeError):
            pass
    for p in ("/api/v1/nothing", "/api/v2/status", "/nothing.html"):
        a = cl.req("GET", p)
        check_answer(doc, {"responses": {"404": {"$ref": "#/components/responses/NotFound"}}}, a, 404,
                     "GET %s (no such path): 404, Error" % p)

    if not ids["rs"] or not ids["instance"]:
        ok(False, "edits: no real server or instance to edit")
        return
    rs = concrete(rs_p, ids)
    act = concrete(act_p, ids)
    patch = op_of(doc, rs_p, "PATCH")
    post = op_of(doc, act_p, "POST")
    rs_req = doc.resolve(doc.resolve(patch["requestBody"])["content"]["application/json"]["schema"])
    act_req = doc.resolve(doc.resolve(post["requestBody"])["content"]["application/json"]["schema"])

    def admin_state():
        try:
            return cl.req("GET", rs).json()["admin_state"]
        except (ValueError, KeyError, TypeError):
            return None

    before = admin_state()
    # ---- 401 / 403 ----
    a = cl.req("PATCH", rs, body='{"admin_state":"maint"}', headers=J)
    check_answer(doc, patch, a, 401, "PATCH a real server without the token: 401, Error, WWW-Authenticate")
    ok(admin_state() == before, "... and nothing changed (admin_state still %s)" % before)
    a = cl.req("POST", act, body='{"action":"demote"}', headers=J)
    check_answer(doc, post, a, 401, "POST an instance action without the token: 401, Error, WWW-Authenticate")
    a = cl.req("PATCH", rs, body='{"admin_state":"maint"}', headers=dict(J, Authorization="Bearer " + "0" * 64))
    check_answer(doc, patch, a, 403, "PATCH with a wrong token: 403, Error")
    a = cl.req("PATCH", rs, body='{"admin_state":"maint"}', headers=dict(J, Authorization="Basic dXNlcjpwYXNz"))
    check_answer(doc, patch, a, 401, "PATCH with Basic instead of Bearer: 401, Error")
    ok(admin_state() == before, "... and nothing changed after the refused edits (admin_state still %s)" % before)

    # ---- 415 ----
    a = cl.req("PATCH", rs, body='{"admin_state":"drain"}',
               headers={"Authorization": "Bearer " + token, "Content-Type": "text/plain"})
    check_answer(doc, patch, a, 415, "PATCH with Content-Type text/plain: 415, Error (field Content-Type)")
    a = cl.req("POST", act, body='{"action":"restore"}', headers={"Authorization": "Bearer " + token})
    check_answer(doc, post, a, 415, "POST an action without Content-Type: 415, Error")

    # ---- 400 ----
    for m, p, op in (("PATCH", rs, patch), ("POST", act, post)):
        a = cl.req(m, p, body='{"admin_state":', headers=AUTH)
        check_answer(doc, op, a, 400, "%s with malformed JSON: 400, Error" % m)
    a = cl.req("PATCH", rs, body='["drain"]', headers=AUTH)
    check_answer(doc, patch, a, 400, "PATCH with a JSON array, not an object: 400, Error")

    # ---- 422: the server refuses, and the document's request schema too ----
    for m, p, op, req, body, what in (
            ("PATCH", rs, patch, rs_req, {"admin_state": "sleep"}, "admin_state sleep"),
            ("PATCH", rs, patch, rs_req, {"weight": 70000}, "weight 70000"),
            ("PATCH", rs, patch, rs_req, {"weight": -1}, "weight -1"),
            ("PATCH", rs, patch, rs_req, {"admin_state": "drain", "weight": 3}, "admin_state and weight"),
            ("PATCH", rs, patch, rs_req, {"admin_state": "drain", "colour": "red"}, "an unknown field"),
            ("PATCH", rs, patch, rs_req, {}, "nothing to change"),
            ("PATCH", rs, patch, rs_req, {"admin_state": "drain", "reason": "x" * 201}, "a 201-character reason"),
            ("PATCH", rs, patch, rs_req, {"admin_state": "drain", "expires": "soon"}, "expires 'soon'"),
            ("POST", act, post, act_req, {"action": "fly"}, "action fly"),
            ("POST", act, post, act_req, {"reason": "no action"}, "no action"),
            ("POST", act, post, act_req, {"action": "set_priority", "priority": 0}, "set_priority 0")):
        a = cl.req(m, p, body=json.dumps(body), headers=AUTH)
        check_answer(doc, op, a, 422, "%s %s: 422, Error" % (m, what))
        errs = doc.schema_errors(req, body)
        ok(bool(errs), "... and the document's request schema refuses %s too" % what,
           ["%s validates against the documented request schema" % json.dumps(body)])

    # ---- 413 ----
    big = b'{"action":"restore","reason":"' + b"x" * 100000 + b'"}'
    a = cl.req("POST", act, body=big, headers=AUTH)
    check_answer(doc, post, a, 413, "POST a 100 kB body: 413, Error")
    a = cl.req("GET", "/api/v1/status")
    ok(a.status == 200, "... and mgmt still answers", [a.brief()])

    # ---- 409 ----
    if ids["owner"]:
        p = "/api/v1/instances/%d/actions" % ids["owner"]
        a = cl.req("POST", p, body='{"action":"demote"}', headers=AUTH)
        check_answer(doc, post, a, 409, "POST demote to an address owner (priority 255): 409, Error")

    # ---- edits that succeed ----
    for body, what, want in (({"admin_state": "drain", "reason": "openapi check", "expires": "1h"}, "drain", "drain"),
                             ({"weight": 7, "reason": "openapi check", "expires": 3600}, "weight 7", "ready"),
                             ({"admin_state": "maint"}, "maint", "maint"),
                             ({"admin_state": "ready"}, "ready", "ready")):
        errs = doc.schema_errors(rs_req, body)
        a = cl.req("PATCH", rs, body=json.dumps(body), headers=AUTH)
        check_answer(doc, patch, a, 200, "PATCH %s: 200, RealServer (the request fits RealServerPatch)" % what,
                     ["the request: " + e for e in errs])
        try:
            got = a.json().get("admin_state")
        except (ValueError, AttributeError):
            got = None
        if a.status == 200 and got != want:
            ok(False, "... admin_state %s after PATCH %s" % (want, what), ["admin_state is %r" % got])
    prio = ids["inst_prio"] or 100
    for body, what in (({"action": "set_priority", "priority": prio, "reason": "openapi check"}, "set_priority (the configured one)"),
                       ({"action": "restore"}, "restore")):
        errs = doc.schema_errors(act_req, body)
        a = cl.req("POST", act, body=json.dumps(body), headers=AUTH)
        check_answer(doc, post, a, 200, "POST %s: 200, Instance (the request fits InstanceActionRequest)" % what,
                     ["the request: " + e for e in errs])


def check_paging(doc, cl, ids, headers):
    for path, filters in (("/api/v1/history", (("kind", "vrrp"), ("kind", "health"))),
                          ("/api/v1/events", (("action", "drain"),))):
        op = op_of(doc, path, "GET")
        a = cl.req("GET", path + "?limit=1", headers=headers)
        if not check_answer(doc, op, a, 200, "GET %s?limit=1: 200, at most one item" % path):
            ok(False, "GET %s: the next page by its cursor (no first page)" % path)
        else:
            j = a.json()
            good = len(j["items"]) <= 1
            if j["next"] is None:
                ok(good and len(j["items"]) <= 1, "GET %s: one page only (next is null)" % path, [a.brief()])
            else:
                b = cl.req("GET", path + "?limit=1&cursor=" + urllib.parse.quote(j["next"]), headers=headers)
                if check_answer(doc, op, b, 200, "GET %s: the next page by its cursor, 200" % path):
                    k = b.json()
                    older = (not k["items"] or not j["items"] or k["items"][0] != j["items"][0] and
                             k["items"][0]["at"] <= j["items"][0]["at"])
                    ok(older, "... it holds another, not newer, item (newest first)",
                       [json.dumps(j["items"]), json.dumps(k["items"])])
        for name, value in filters:
            a = cl.req("GET", "%s?%s=%s&limit=50" % (path, name, value), headers=headers)
            if check_answer(doc, op, a, 200, "GET %s?%s=%s: 200" % (path, name, value)):
                items = a.json()["items"]
                ok(all(i.get(name) == value for i in items), "... every item has %s %s" % (name, value),
                   [json.dumps(i) for i in items if i.get(name) != value][:3])
                if path == "/api/v1/events" or value == "vrrp":
                    ok(bool(items), "... and there is at least one (this run made some)")
                ats = [i.get("at") for i in items]
                ok(ats == sorted(ats, reverse=True), "... newest first", ats[:10])
        for q in ("limit=0", "limit=1001", "limit=ten", "since=yesterday", "until=2026-13-01T00:00:00Z",
                  "cursor=%21%21", "colour=red"):
            a = cl.req("GET", "%s?%s" % (path, q), headers=headers)
            want_field = q.split("=")[0]
            if check_answer(doc, op, a, 400, "GET %s?%s: 400, Error naming %s" % (
                    path, urllib.parse.unquote(q), want_field)):
                f = safe_json(a)["error"]["field"]
                if f != want_field:
                    ok(False, "... the error names the field %s" % want_field, ["field: %r" % f])
        if path == "/api/v1/history":
            for q in ("kind=bogus", "instance=abc", "real_server=0"):
                a = cl.req("GET", "%s?%s" % (path, q), headers=headers)
                check_answer(doc, op, a, 400, "GET %s?%s: 400, Error" % (path, q))
            if ids["instance"]:
                a = cl.req("GET", "%s?instance=%d" % (path, ids["instance"]), headers=headers)
                if check_answer(doc, op, a, 200, "GET %s?instance=%d: 200" % (path, ids["instance"])):
                    items = a.json()["items"]
                    ok(all(i["instance_id"] == ids["instance"] for i in items),
                       "... only that instance's transitions", [json.dumps(items[:3])])


def check_no_cors(cl):
    a = cl.req("GET", "/api/v1/status", headers={"Origin": "https://ops.example"})
    bad = [k for k in a.headers if k.startswith("access-control-")]
    ok(a.status == 200 and not bad, "without --http-cors-origin: no Access-Control-* header for an Origin",
       [a.brief()] + bad)
    ok(not a.header("set-cookie") and a.header("cache-control") == "no-store",
       "no cookie, Cache-Control: no-store", [str(a.headers)])


def check_auth_all(doc, cl, ids, token):
    AUTH = {"Authorization": "Bearer " + token}
    for path in doc.paths():
        ops = doc.ops(path)
        if "GET" not in ops:
            continue
        p = concrete(path, ids)
        if p is None:
            ok(False, "--http-auth=all: GET %s: no id to put in the path" % path)
            continue
        get = ops["GET"]
        needs = bool([s for s in get.get("security", doc.d.get("security", [])) if s])
        if not needs:
            a = cl.req("GET", p)
            check_answer(doc, get, a, 200, "--http-auth=all: GET %s needs no token: 200" % path)
            continue
        a = cl.req("GET", p)
        check_answer(doc, get, a, 401, "--http-auth=all: GET %s without the token: 401, Error, WWW-Authenticate" % path)
        a = cl.req("GET", p, headers={"Authorization": "Bearer " + "0" * 64})
        check_answer(doc, get, a, 403, "--http-auth=all: GET %s with a wrong token: 403, Error" % path)
        a = cl.req("GET", p, headers=AUTH)
        check_answer(doc, get, a, 200, "--http-auth=all: GET %s with the token: 200" % path)
        if "HEAD" in ops:
            a = cl.req("HEAD", p)
            ok(a.status == 401 and not a.body, "--http-auth=all: HEAD %s without the token: 401" % path, [a.brief()])


def check_cors(doc, cl, origin, token):
    pre = {"Origin": origin, "Access-Control-Request-Method": "PATCH",
           "Access-Control-Request-Headers": "authorization, content-type"}
    for path in doc.paths():
        if "OPTIONS" not in doc.ops(path):
            continue
        p = concrete(path, {"instance": 1, "vs": 1, "rs": 1})
        a = cl.req("OPTIONS", p, headers=pre)
        desc = "--http-cors-origin: OPTIONS %s (preflight, no token): 204 with the CORS headers" % path
        if check_answer(doc, doc.ops(path)["OPTIONS"], a, 204, desc):
            bad = []
            if a.header("access-control-allow-origin") != origin:
                bad.append("Access-Control-Allow-Origin: %r" % a.header("access-control-allow-origin"))
            if "PATCH" not in (a.header("access-control-allow-methods") or "") and path.endswith("{rs_id}"):
                bad.append("Access-Control-Allow-Methods: %r" % a.header("access-control-allow-methods"))
            hdrs = (a.header("access-control-allow-headers") or "").lower()
            if "authorization" not in hdrs or "content-type" not in hdrs:
                bad.append("Access-Control-Allow-Headers: %r" % a.header("access-control-allow-headers"))
            ok(not bad, "... for %s: the origin, the methods, Authorization and Content-Type" % path, bad)
    a = cl.req("GET", "/api/v1/status", headers={"Origin": origin, "Authorization": "Bearer " + token})
    ok(a.status == 200 and a.header("access-control-allow-origin") == origin,
       "--http-cors-origin: a GET from that origin carries Access-Control-Allow-Origin", [a.brief(), str(a.headers)])
    a = cl.req("GET", "/api/v1/status", headers={"Origin": "https://elsewhere.example",
                                                 "Authorization": "Bearer " + token})
    ok(a.status == 200 and a.header("access-control-allow-origin") in (None, origin) and
       a.header("access-control-allow-origin") != "*",
       "--http-cors-origin: a GET from another origin: Access-Control-Allow-Origin names only the configured one (never *)",
       [str(a.headers)])
    a = cl.req("OPTIONS", "/api/v1/status", headers=dict(pre, Origin="https://elsewhere.example"))
    ok(a.header("access-control-allow-origin") in (None, origin),
       "--http-cors-origin: a preflight from another origin: Access-Control-Allow-Origin names only the configured one",
       [a.brief(), str(a.headers)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doc", required=True)
    ap.add_argument("--base", default="http://127.0.0.1:8080")
    ap.add_argument("--token-file")
    ap.add_argument("--mode", choices=["open", "auth-all"], default="open")
    ap.add_argument("--cors-origin")
    ap.add_argument("--only-doc", action="store_true")
    args = ap.parse_args()
    try:
        doc = Doc(args.doc)
    except (OSError, yaml.YAMLError) as e:
        ok(False, "the document %s loads" % args.doc, [str(e)])
        return 1
    token = ""
    if args.token_file:
        try:
            with open(args.token_file) as f:
                token = f.read().strip()
        except OSError as e:
            ok(False, "the token file %s can be read" % args.token_file, [str(e)])
    cl = Client(args.base)
    if args.mode == "open":
        check_document(doc)
        if args.only_doc:
            return 1 if FAILED else 0
        ids = discover(cl, None)
        print("# ids: %s" % json.dumps(ids))
        check_reads(doc, cl, ids, None)
        check_methods(doc, cl, ids, cors=False)
        check_errors(doc, cl, ids, token)
        check_paging(doc, cl, ids, None)
        check_no_cors(cl)
    else:
        ids = discover(cl, {"Authorization": "Bearer " + token})
        print("# ids: %s" % json.dumps(ids))
        check_auth_all(doc, cl, ids, token)
        if args.cors_origin:
            check_cors(doc, cl, args.cors_origin, token)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
