#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Unit tests of tools/check_vigil: the pure decision over canned answers,
the arguments, and the HTTP layer against a local stdlib HTTP server.

    python3 check_vigil_test.py            # plain unittest
    python3 check_vigil_test.py --count    # how many tests (for a TAP plan)
    python3 check_vigil_test.py --results  # "PASS<TAB>name" / "FAIL<TAB>name"
                                           # lines, failures' text as "# ..."
                                           # (t_check_vigil.sh makes TAP of it)

The plugin is $CHECK_VIGIL, else $VIGIL_SRCDIR/tools/check_vigil, else
../../tools/check_vigil from this file.
"""

import http.server
import importlib.machinery
import importlib.util
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest


def _plugin_path():
    p = os.environ.get("CHECK_VIGIL")
    if p:
        return p
    src = os.environ.get("VIGIL_SRCDIR")
    if src:
        return os.path.join(src, "tools", "check_vigil")
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "check_vigil")


PLUGIN = _plugin_path()
_loader = importlib.machinery.SourceFileLoader("check_vigil", PLUGIN)
_spec = importlib.util.spec_from_loader("check_vigil", _loader)
cv = importlib.util.module_from_spec(_spec)
_loader.exec_module(cv)

A, B, C = "http://192.0.2.1:8080", "http://192.0.2.2:8080", "http://192.0.2.3:8080"


def inst(state, name="VI_1", vrid=51, vips=("192.0.2.100/24",), family="inet", sb="unknown",
         evidence=(), iid=1):
    """One instance as GET /api/v1/instances gives it (doc/openapi.yaml)."""
    return {
        "id": iid, "name": name, "vrid": vrid, "interface": "eth0", "family": family,
        "version": 2 if family == "inet" else 3, "state": state, "initial_state": "BACKUP",
        "base_priority": 100, "effective_priority": 100, "master": None,
        "last_transition": {"at": None, "reason": None},
        "vips": [{"address": a, "dev": None, "advertised": True} for a in vips],
        "advert_interval_ms": 1000, "preempt": True, "sync_group": None, "trackers": [],
        "override": None,
        "statistics": {"transitions": 1, "adverts_sent": 0, "adverts_received": 0, "became_master": 0},
        "split_brain": {"status": sb, "since": None, "evidence": list(evidence)},
    }


def node(url, name, *instances):
    return cv.NodeAnswer(url, instances={"instances": list(instances)},
                         status={"node": name, "router_id": name})


def down(url, error="connection refused"):
    return cv.NodeAnswer(url, error=error, unreachable=True)


def refused(url, error="HTTP 401: a token is needed"):
    return cv.NodeAnswer(url, error=error, unreachable=False)


def status_line(result):
    return result.status_line


def perf(result):
    return dict(p.split("=", 1) for p in result.perfdata)


class OneMaster(unittest.TestCase):
    def test_one_master_is_ok(self):
        r = cv.decide([node(A, "a", inst("MASTER")), node(B, "b", inst("BACKUP"))])
        self.assertEqual(r.code, cv.OK)
        self.assertEqual(status_line(r),
                         "VIGIL OK - VI_1 (VRID 51): master a (192.0.2.1); 2 of 2 nodes answered"
                         " | masters_VI_1=1;;1:1;0 nodes_up=2;;;0;2 suspects=0;0;;0")
        self.assertEqual(r.details, ["VI_1 (VRID 51), VIP 192.0.2.100/24: MASTER a (192.0.2.1), BACKUP b (192.0.2.2)"])

    def test_status_ok_shown_and_fault_backup_fine(self):
        r = cv.decide([node(A, "a", inst("MASTER", sb="ok")), node(B, "b", inst("FAULT", sb="ok")),
                       node(C, "c", inst("BACKUP", sb="ok"))])
        self.assertEqual(r.code, cv.OK)
        self.assertIn("split-brain: a (192.0.2.1) ok, b (192.0.2.2) ok, c (192.0.2.3) ok", r.details[0])

    def test_poll_time_in_perfdata(self):
        r = cv.decide([node(A, "a", inst("MASTER"))], elapsed=0.25, timeout=10)
        self.assertEqual(perf(r)["time"], "0.250s;;;0;10")
        self.assertEqual(r.code, cv.OK)

    def test_no_split_brain_object_is_unknown_status(self):
        old = inst("MASTER")
        del old["split_brain"]
        r = cv.decide([node(A, "a", old), node(B, "b", inst("BACKUP"))])
        self.assertEqual(r.code, cv.OK)

    def test_name_from_status_else_host(self):
        answers = [cv.NodeAnswer(A, instances={"instances": [inst("MASTER")]}, status=None),
                   node(B, "b", inst("BACKUP"))]
        r = cv.decide(answers)
        self.assertIn("master 192.0.2.1;", r.summary)

    def test_same_host_other_ports_told_apart(self):
        r = cv.decide([node("http://127.0.0.1:8080", "x", inst("MASTER")),
                       node("http://127.0.0.1:8081", "x", inst("MASTER"))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertIn("two masters: x (127.0.0.1:8080), x (127.0.0.1:8081)", r.summary)

    def test_several_routers(self):
        r = cv.decide([node(A, "a", inst("MASTER"), inst("BACKUP", name="VI_2", vrid=52, vips=["192.0.2.101/24"])),
                       node(B, "b", inst("BACKUP"), inst("MASTER", name="VI_2", vrid=52, vips=["192.0.2.101/24"]))])
        self.assertEqual(r.code, cv.OK)
        self.assertEqual(r.summary, "VI_1 (VRID 51): master a (192.0.2.1); VI_2 (VRID 52): master b (192.0.2.2); "
                                    "2 of 2 nodes answered")
        self.assertEqual(perf(r)["masters_VI_2"], "1;;1:1;0")


class TwoMasters(unittest.TestCase):
    def test_two_masters_critical(self):
        r = cv.decide([node(A, "a", inst("MASTER")), node(B, "b", inst("MASTER"))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertEqual(status_line(r),
                         "VIGIL CRITICAL - VI_1 (VRID 51): two masters: a (192.0.2.1), b (192.0.2.2)"
                         " | masters_VI_1=2;;1:1;0 nodes_up=2;;;0;2 suspects=0;0;;0")

    def test_three_masters(self):
        r = cv.decide([node(A, "a", inst("MASTER")), node(B, "b", inst("MASTER")), node(C, "c", inst("MASTER"))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertIn("three masters: a (192.0.2.1), b (192.0.2.2), c (192.0.2.3)", r.summary)

    def test_two_masters_with_a_node_down_still_critical(self):
        r = cv.decide([node(A, "a", inst("MASTER")), node(B, "b", inst("MASTER")), down(C)])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertTrue(r.summary.startswith("VI_1 (VRID 51): two masters"), r.summary)
        self.assertIn("192.0.2.3 did not answer: connection refused", r.summary)

    def test_split_reported_and_seen_is_critical(self):
        r = cv.decide([node(A, "a", inst("MASTER", sb="split", evidence=["b is MASTER too"])),
                       node(B, "b", inst("MASTER", sb="split"))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertEqual(perf(r)["suspects"], "2;0;;0")
        self.assertIn("  a (192.0.2.1) split: b is MASTER too", r.details)

    def test_critical_wins_over_a_malformed_answer(self):
        r = cv.decide([node(A, "a", inst("MASTER")), node(B, "b", inst("MASTER")),
                       cv.NodeAnswer(C, instances={"nope": 1})])
        self.assertEqual(r.code, cv.CRITICAL)


class NoMaster(unittest.TestCase):
    def test_no_master_all_answered_critical(self):
        r = cv.decide([node(A, "a", inst("FAULT")), node(B, "b", inst("BACKUP"))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertEqual(r.summary, "VI_1 (VRID 51): no master: a (192.0.2.1) FAULT, b (192.0.2.2) BACKUP")
        self.assertEqual(perf(r)["masters_VI_1"], "0;;1:1;0")

    def test_no_master_with_a_silent_node_is_warning(self):
        # the silent node may be the master
        r = cv.decide([node(A, "a", inst("BACKUP")), down(B)])
        self.assertEqual(r.code, cv.WARNING)
        self.assertIn("no master among the nodes that answered", r.summary)

    def test_router_on_one_node_only_is_judged_on_its_own(self):
        r = cv.decide([node(A, "a", inst("MASTER"), inst("BACKUP", name="VI_2", vrid=52, vips=["192.0.2.101/24"])),
                       node(B, "b", inst("BACKUP"))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertEqual(r.summary, "VI_2 (VRID 52): no master: a (192.0.2.1) BACKUP")


class NodeDown(unittest.TestCase):
    def test_one_node_down_warning(self):
        r = cv.decide([node(A, "a", inst("MASTER")), down(B)])
        self.assertEqual(r.code, cv.WARNING)
        self.assertEqual(status_line(r),
                         "VIGIL WARNING - 192.0.2.2 did not answer: connection refused"
                         " | masters_VI_1=1;;1:1;0 nodes_up=1;;;0;2 suspects=0;0;;0")
        self.assertIn("node http://192.0.2.2:8080: did not answer: connection refused", r.details)

    def test_http_5xx_is_down(self):
        # poll_nodes files a 503 (the store cannot be read yet) as unreachable
        r = cv.decide([node(A, "a", inst("MASTER")), down(B, "HTTP 503: the state store cannot be read yet")])
        self.assertEqual(r.code, cv.WARNING)

    def test_no_node_answered_unknown(self):
        r = cv.decide([down(A), down(B, "timed out after 10s")])
        self.assertEqual(r.code, cv.UNKNOWN)
        self.assertTrue(status_line(r).startswith("VIGIL UNKNOWN - no node answered (2 asked); "), status_line(r))
        self.assertEqual(perf(r)["nodes_up"], "0;;;0;2")

    def test_http_401_is_unknown(self):
        r = cv.decide([node(A, "a", inst("MASTER")), refused(B)])
        self.assertEqual(r.code, cv.UNKNOWN)
        self.assertIn("192.0.2.2: HTTP 401: a token is needed", r.summary)


class Suspect(unittest.TestCase):
    def test_suspect_warning(self):
        r = cv.decide([node(A, "a", inst("MASTER", sb="suspect", evidence=["advert from 192.0.2.2 prio 100"])),
                       node(B, "b", inst("BACKUP", sb="ok"))])
        self.assertEqual(r.code, cv.WARNING)
        self.assertEqual(r.summary, "VI_1 (VRID 51): a (192.0.2.1) reports suspect")
        self.assertEqual(perf(r)["suspects"], "1;0;;0")
        self.assertIn("  a (192.0.2.1) suspect: advert from 192.0.2.2 prio 100", r.details)

    def test_split_reported_while_one_master_seen_warning(self):
        r = cv.decide([node(A, "a", inst("MASTER", sb="ok")), node(B, "b", inst("BACKUP", sb="split"))])
        self.assertEqual(r.code, cv.WARNING)
        self.assertEqual(r.summary, "VI_1 (VRID 51): b (192.0.2.2) reports split, but one master is seen: a (192.0.2.1)")

    def test_no_master_reported_while_one_master_seen_warning(self):
        r = cv.decide([node(A, "a", inst("MASTER", sb="no-master")), node(B, "b", inst("BACKUP"))])
        self.assertEqual(r.code, cv.WARNING)
        self.assertIn("a (192.0.2.1) reports no-master", r.summary)

    def test_pipe_in_evidence_does_not_break_the_output(self):
        r = cv.decide([node(A, "a", inst("MASTER", sb="suspect", evidence=["x | y\nz"]))])
        text = r.text()
        self.assertEqual(text.splitlines()[0].count("|"), 1)
        self.assertEqual(sum(line.count("|") for line in text.splitlines()[1:]), 0)
        self.assertIn("  a (192.0.2.1) suspect: x / y z", r.details)


class Matching(unittest.TestCase):
    def test_routers_matched_by_vip_not_by_name(self):
        r = cv.decide([node(A, "a", inst("MASTER", name="VI_1", vips=["192.0.2.100/24", "192.0.2.101/24"])),
                       node(B, "b", inst("MASTER", name="LB_WEB", vips=["192.0.2.101/32"]))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertIn("LB_WEB/VI_1 (VRID 51): two masters", r.summary)
        self.assertEqual(perf(r)["masters_LB_WEB_VI_1"], "2;;1:1;0")

    def test_same_name_and_vrid_other_vips_are_two_routers(self):
        # the same VRID on two networks: two virtual routers, one master each
        r = cv.decide([node(A, "a", inst("MASTER", vips=["192.0.2.100/24"])),
                       node(B, "b", inst("MASTER", vips=["192.0.2.200/24"]))])
        self.assertEqual(r.code, cv.OK)
        self.assertEqual(len(r.details), 2)
        self.assertEqual(perf(r)["masters_VI_1"], "1;;1:1;0")
        self.assertEqual(perf(r)["masters_VI_1_2"], "1;;1:1;0")

    def test_same_vip_other_vrid_are_two_routers(self):
        r = cv.decide([node(A, "a", inst("MASTER", vrid=51)), node(B, "b", inst("MASTER", vrid=52))])
        self.assertEqual(r.code, cv.OK)

    def test_overlap_is_transitive(self):
        r = cv.decide([node(A, "a", inst("MASTER", vips=["192.0.2.100/24"])),
                       node(B, "b", inst("BACKUP", vips=["192.0.2.100/24", "192.0.2.101/24"])),
                       node(C, "c", inst("MASTER", vips=["192.0.2.101/24"]))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertIn("two masters: a (192.0.2.1), c (192.0.2.3)", r.summary)

    def test_vrid_filter(self):
        answers = [node(A, "a", inst("MASTER"), inst("MASTER", name="VI_2", vrid=52, vips=["192.0.2.101/24"])),
                   node(B, "b", inst("BACKUP"), inst("MASTER", name="VI_2", vrid=52, vips=["192.0.2.101/24"]))]
        self.assertEqual(cv.decide(answers).code, cv.CRITICAL)
        self.assertEqual(cv.decide(answers, vrid=51).code, cv.OK)
        self.assertEqual(cv.decide(answers, vrid=52).code, cv.CRITICAL)
        r = cv.decide(answers, vrid=53)
        self.assertEqual(r.code, cv.UNKNOWN)
        self.assertEqual(r.summary, "no VRRP instance with VRID 53 on the nodes that answered")


class IPv6(unittest.TestCase):
    V6 = ["2001:db8::100/64"]

    def test_ipv6_two_masters_same_address_other_spelling(self):
        r = cv.decide([node("http://[2001:db8::1]:8080", "a", inst("MASTER", family="inet6", vips=self.V6)),
                       node("http://[2001:db8::2]:8080", "b",
                            inst("MASTER", family="inet6", vips=["2001:DB8:0:0::100/64"]))])
        self.assertEqual(r.code, cv.CRITICAL)
        self.assertEqual(r.summary, "VI_1 (VRID 51, IPv6): two masters: a (2001:db8::1), b (2001:db8::2)")

    def test_same_vrid_both_families_are_two_routers(self):
        a = node(A, "a", inst("MASTER"), inst("MASTER", name="VI_1", family="inet6", vips=self.V6))
        b = node(B, "b", inst("BACKUP"), inst("BACKUP", name="VI_1", family="inet6", vips=self.V6))
        r = cv.decide([a, b])
        self.assertEqual(r.code, cv.OK)
        self.assertEqual(r.summary, "VI_1 (VRID 51): master a (192.0.2.1); VI_1 (VRID 51, IPv6): master a (192.0.2.1); "
                                    "2 of 2 nodes answered")
        self.assertEqual(sorted(perf(r)), ["masters_VI_1", "masters_VI_1_2", "nodes_up", "suspects"])


class NodeListingNothing(unittest.TestCase):
    def test_a_node_listing_nothing_is_fine(self):
        r = cv.decide([node(A, "a", inst("MASTER")), node(B, "b", inst("BACKUP")), node(C, "c")])
        self.assertEqual(r.code, cv.OK)
        self.assertIn("3 of 3 nodes answered", r.summary)
        self.assertIn("node c (192.0.2.3): no VRRP instance", r.details)

    def test_nothing_anywhere_is_unknown(self):
        r = cv.decide([node(A, "a"), node(B, "b")])
        self.assertEqual(r.code, cv.UNKNOWN)
        self.assertEqual(r.summary, "no VRRP instance on the nodes that answered")


class MalformedAnswers(unittest.TestCase):
    def check(self, doc, words):
        r = cv.decide([node(A, "a", inst("MASTER")), cv.NodeAnswer(B, instances=doc)])
        self.assertEqual(r.code, cv.UNKNOWN, r.text())
        self.assertIn(words, r.summary)

    def test_not_an_object(self):
        self.check([1, 2], 'malformed answer: no "instances" list')

    def test_bad_vrid(self):
        self.check({"instances": [inst("MASTER", vrid=0)]}, "vrid 0 is not 1..255")

    def test_bad_vip(self):
        self.check({"instances": [inst("MASTER", vips=["192.0.2.300/24"])]}, "not ADDR/PREFIX")

    def test_bad_family(self):
        self.check({"instances": [inst("MASTER", family="ipx")]}, "family 'ipx'")

    def test_bad_split_brain(self):
        i = inst("MASTER")
        i["split_brain"] = "split"
        self.check({"instances": [i]}, "split_brain is not")


class FakePoll:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, urls, tokens, timeout, ctx):
        self.calls.append((urls, tokens, timeout, ctx))
        return self.answers


class Arguments(unittest.TestCase):
    def run_main(self, argv, answers=()):
        out, err = io.StringIO(), io.StringIO()
        poll = FakePoll(list(answers))
        saved = sys.stderr, sys.stdout
        sys.stderr, sys.stdout = err, out
        try:
            code = cv.main(argv, poll=poll, out=out)
        except SystemExit as e:
            code = e.code
        finally:
            sys.stderr, sys.stdout = saved
        return code, out.getvalue(), poll

    def test_missing_host_is_unknown_3(self):
        code, out, _ = self.run_main([])
        self.assertEqual(code, 3)
        self.assertTrue(out.startswith("VIGIL UNKNOWN - bad arguments: "), out)

    def test_bad_values_are_3(self):
        for argv in (["-H", "ftp://x"], ["-H", "x", "--vrid", "256"], ["-H", "x", "--timeout", "-1"],
                     ["-H", "x", "--insecure", "--cacert", "/dev/null"], ["-H", "x", "--bogus"]):
            code, out, _ = self.run_main(argv)
            self.assertEqual(code, 3, argv)
            self.assertIn("VIGIL UNKNOWN - bad arguments", out)

    def test_help_is_0(self):
        code, out, _ = self.run_main(["--help"])
        self.assertEqual(code, 0)
        for words in ("-H URL", "--token-file", "2 CRITICAL", "3 UNKNOWN", "--zabbix", "VIP address in common"):
            self.assertIn(words, out)

    def test_urls_normalized(self):
        n = cv.normalize_url
        self.assertEqual(n("192.0.2.1"), "http://192.0.2.1:8080")
        self.assertEqual(n("192.0.2.1:9000"), "http://192.0.2.1:9000")
        self.assertEqual(n("2001:db8::1"), "http://[2001:db8::1]:8080")
        self.assertEqual(n("[2001:db8::1]:9000"), "http://[2001:db8::1]:9000")
        self.assertEqual(n("https://lb1:8443/"), "https://lb1:8443")
        self.assertEqual(n("https://proxy/vigil-a/"), "https://proxy/vigil-a")

    def test_exit_code_and_output(self):
        code, out, poll = self.run_main(["-H", A, "-H", B], [node(A, "a", inst("MASTER")), node(B, "b", inst("MASTER"))])
        self.assertEqual(code, 2)
        self.assertTrue(out.startswith("VIGIL CRITICAL - VI_1 (VRID 51): two masters: a (192.0.2.1), b (192.0.2.2) | "))
        self.assertEqual(poll.calls[0][0], [A, B])
        self.assertEqual(poll.calls[0][1], [None, None])

    def test_zabbix_prints_the_number(self):
        code, out, _ = self.run_main(["--zabbix", "-H", A], [node(A, "a", inst("BACKUP"))])
        self.assertEqual((code, out), (0, "2\n"))
        code, out, _ = self.run_main(["--zabbix", "--vrid", "0"])
        self.assertEqual((code, out), (0, "3\n"))

    def test_tokens_once_or_per_node(self):
        with tempfile.NamedTemporaryFile("w", suffix=".token") as f:
            f.write("secret-b\n")
            f.flush()
            _, _, poll = self.run_main(["-H", A, "-H", B, "-t", "secret"], [node(A, "a", inst("MASTER"))])
            self.assertEqual(poll.calls[0][1], ["secret", "secret"])
            _, _, poll = self.run_main(["-H", A, "-H", B, "-t", "secret-a", "--token-file", f.name],
                                       [node(A, "a", inst("MASTER"))])
            self.assertEqual(poll.calls[0][1], ["secret-a", "secret-b"])
        code, out, poll = self.run_main(["-H", A, "-H", B, "-H", C, "-t", "x", "-t", "y"])
        self.assertEqual(code, 3)
        self.assertIn("once per -H", out)
        self.assertEqual(poll.calls, [])
        code, out, _ = self.run_main(["-H", A, "--token-file", "/nonexistent/token"])
        self.assertEqual(code, 3)
        self.assertIn("cannot read the token file", out)


# --------------------------------------------------------------- HTTP ----

class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}      # path -> (status, body bytes)
    token = None
    slow = 0.0

    def do_GET(self):
        if self.slow:
            time.sleep(self.slow)
        if self.token and self.headers.get("Authorization") != "Bearer " + self.token:
            code, body = 401, json.dumps({"error": {"status": 401, "message": "this read needs the token",
                                                    "field": None, "fix": "send it"}}).encode()
        else:
            code, body = self.routes.get(self.path, (404, b'{"error": {"message": "no such path"}}'))
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(routes, token=None, slow=0.0, tls=None):
    """A server of routes on 127.0.0.1; tls: (certfile, keyfile) for https."""
    handler = type("H", (_Handler,), {"routes": routes, "token": token, "slow": slow})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    scheme = "http"
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        scheme = "https"
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return srv, "%s://127.0.0.1:%d" % (scheme, srv.server_address[1])


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d" % port


def _routes(name, *instances):
    return {"/api/v1/instances": (200, json.dumps({"instances": list(instances)}).encode()),
            "/api/v1/status": (200, json.dumps({"node": name}).encode())}


class Http(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.shutdown()
            s.server_close()

    def serve(self, *a, **kw):
        srv, url = _serve(*a, **kw)
        self.servers.append(srv)
        return url

    def test_poll_a_node_and_a_closed_port(self):
        url = self.serve(_routes("a", inst("MASTER")))
        closed = _closed_port()
        answers = cv.poll_nodes([url, closed], [None, None], 5, None)
        self.assertEqual(answers[0].instances["instances"][0]["state"], "MASTER")
        self.assertEqual(answers[0].status["node"], "a")
        self.assertIsNone(answers[1].instances)
        self.assertTrue(answers[1].unreachable)
        self.assertEqual(answers[1].error, "connection refused")
        r = cv.decide(answers)
        self.assertEqual(r.code, cv.WARNING)

    def test_token_sent_and_401_without(self):
        url = self.serve(_routes("a", inst("MASTER")), token="s3cret")
        good = cv.poll_nodes([url], ["s3cret"], 5, None)[0]
        self.assertIsNotNone(good.instances)
        bad = cv.poll_nodes([url], [None], 5, None)[0]
        self.assertFalse(bad.unreachable)
        self.assertEqual(bad.error, "HTTP 401: this read needs the token")
        self.assertEqual(cv.decide([bad]).code, cv.UNKNOWN)

    def test_not_json_is_unknown(self):
        url = self.serve({"/api/v1/instances": (200, b"<html>hello</html>")})
        a = cv.poll_nodes([url], [None], 5, None)[0]
        self.assertFalse(a.unreachable)
        self.assertIn("not JSON", a.error)

    def test_503_is_unreachable(self):
        url = self.serve({"/api/v1/instances": (503, b'{"error": {"message": "the state store cannot be read yet"}}')})
        a = cv.poll_nodes([url], [None], 5, None)[0]
        self.assertTrue(a.unreachable)
        self.assertEqual(a.error, "HTTP 503: the state store cannot be read yet")

    def test_timeout_bounds_the_poll(self):
        url = self.serve(_routes("a", inst("MASTER")), slow=3)
        t0 = time.monotonic()
        a = cv.poll_nodes([url], [None], 0.3, None)[0]
        self.assertLess(time.monotonic() - t0, 2.5)
        self.assertTrue(a.unreachable)
        self.assertIn("timed out", a.error)

    def test_proxy_variables_are_not_used(self):
        url = self.serve(_routes("a", inst("MASTER")))
        saved = {k: os.environ.get(k) for k in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY")}
        os.environ["http_proxy"] = os.environ["HTTP_PROXY"] = _closed_port()
        os.environ.pop("no_proxy", None)
        os.environ.pop("NO_PROXY", None)
        try:
            a = cv.poll_nodes([url], [None], 5, None)[0]
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.assertIsNotNone(a.instances, a.error)

    @unittest.skipUnless(shutil.which("openssl"), "no openssl(1) to make a certificate")
    def test_https_cacert_insecure_and_unverified(self):
        with tempfile.TemporaryDirectory() as d:
            cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                            "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            url = self.serve(_routes("a", inst("MASTER")), tls=(cert, key))
            parser = cv.make_parser()
            for argv, code in ((["--cacert", cert], cv.OK), (["--insecure"], cv.OK), ([], cv.UNKNOWN)):
                ctx = cv._tls_context(parser.parse_args(["-H", url] + argv))
                r = cv.decide(cv.poll_nodes([url], [None], 5, ctx))
                self.assertEqual(r.code, code, (argv, r.text()))
            self.assertIn("127.0.0.1: TLS: certificate verify failed", r.summary)

    def test_the_script_itself(self):
        url = self.serve(_routes("a", inst("MASTER")))
        url_b = self.serve(_routes("b", inst("MASTER")))
        p = subprocess.run([sys.executable, PLUGIN, "-H", url, "-H", url_b, "--timeout", "5"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, text=True)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^VIGIL CRITICAL - VI_1 \(VRID 51\): two masters: a \(127\.0\.0\.1:\d+\), "
                                   r"b \(127\.0\.0\.1:\d+\) \| masters_VI_1=2;;1:1;0 nodes_up=2;;;0;2 suspects=0;0;;0 "
                                   r"time=[0-9.]+s;;;0;5\n")
        p = subprocess.run([sys.executable, PLUGIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 3)


# --------------------------------------------------------------- main ----

class _LineResult(unittest.TextTestResult):
    """PASS/FAIL/SKIP<TAB>name lines, each failure's text as "# " lines."""

    def __init__(self, stream, descriptions, verbosity):
        super().__init__(stream, descriptions, 0)
        self.out = sys.stdout

    def _name(self, test):
        return "%s.%s" % (type(test).__name__, test._testMethodName)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.out.write("PASS\t%s\n" % self._name(test))
        self.out.flush()

    def _fail(self, test, err):
        self.out.write("FAIL\t%s\n" % self._name(test))
        for line in self._exc_info_to_string(err, test).splitlines():
            self.out.write("# %s\n" % line)
        self.out.flush()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.out.write("SKIP\t%s\t%s\n" % (self._name(test), reason))


if __name__ == "__main__":
    if sys.argv[1:2] in (["--count"], ["--results"]):
        suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
        if sys.argv[1] == "--count":
            print(suite.countTestCases())
            sys.exit(0)
        runner = unittest.TextTestRunner(stream=io.StringIO(), resultclass=_LineResult, verbosity=0)
        result = runner.run(suite)
        sys.exit(0 if result.wasSuccessful() else 1)
    unittest.main()
