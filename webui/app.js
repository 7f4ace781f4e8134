/*
 * app.js - vigil's status page (webui/, issue #7).
 *
 * Polls the REST API every second (GET /api/v1/status, /instances,
 * /virtual-servers and each one's /real-servers) and redraws what changed;
 * PATCHes a real server's admin_state (drain / maint / ready) with the
 * bearer token typed into the page (kept in sessionStorage, never a cookie).
 *
 * The server sends Content-Security-Policy: default-src 'self': no inline
 * script or style, no event-handler attributes; the DOM is built with
 * createElement and textContent only (nothing from the API is parsed as
 * HTML).  The build embeds this file into vigild (scripts/embed-webui.sh).
 */
'use strict';

(function () {
	const POLL_MS = 1000;          /* at most 1 s stale */
	const READ_TIMEOUT_MS = 4000;
	const EDIT_TIMEOUT_MS = 15000; /* an edit returns once the engine applied and stored it */
	const TOKEN_KEY = 'vigil.token';
	const ALARMS = { split: 'SPLIT BRAIN', 'no-master': 'NO MASTER', suspect: 'SPLIT BRAIN SUSPECTED' };
	const ALARM_ORDER = ['split', 'no-master', 'suspect'];
	const ACTIONS = [
		{ act: 'drain', label: 'Drain', title: 'weight 0: no new connections, health still checked' },
		{ act: 'maint', label: 'Maint', title: 'out of IPVS (maintenance)' },
		{ act: 'ready', label: 'Ready', title: 'back to the configured weight' },
	];

	const $ = (id) => document.getElementById(id);

	let token = '';
	let readsNeedToken = false;
	let lastOkMs = 0;
	let failingSinceMs = 0;
	let pollTimer = 0;
	let polling = false;
	const instCards = new Map();   /* instance id -> { el, sig } */
	const vsBlocks = new Map();    /* virtual server id -> { el, head, sig, tbody, rows: Map(rs id -> row) } */
	const pendingEdits = new Set(); /* "vs/rs" while a PATCH runs */

	/* ---- small helpers ------------------------------------------------------------ */

	/* el('td', {className: 'x', dataset: {label: 'Health'}}, child, 'text', ...) */
	function el(tag, props, ...kids) {
		const e = document.createElement(tag);
		if (props) {
			for (const [k, v] of Object.entries(props)) {
				if (v === undefined || v === null) continue;
				if (k === 'dataset') Object.assign(e.dataset, v);
				else if (k in e) e[k] = v;
				else e.setAttribute(k, v);
			}
		}
		for (const k of kids) {
			if (k === null || k === undefined || k === false) continue;
			e.append(k instanceof Node ? k : String(k));
		}
		return e;
	}

	/* node's children become kids (null, undefined and false left out) */
	function put(node, ...kids) {
		node.replaceChildren(...kids.filter((k) => k !== null && k !== undefined && k !== false));
	}

	function text(v, none) {
		if (v === null || v === undefined || v === '') return none === undefined ? '–' : none;
		return String(v);
	}

	function pad2(n) { return String(n).padStart(2, '0'); }

	function fmtClock(ms) {
		const d = new Date(ms);
		return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
	}

	/* an API time ("2026-12-04T15:20:01.123Z") in local time */
	function fmtTime(iso) {
		if (!iso) return '–';
		const d = new Date(iso);
		if (isNaN(d.getTime())) return String(iso);
		return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + fmtClock(d.getTime());
	}

	function fmtDuration(s) {
		s = Math.max(0, Math.floor(Number(s) || 0));
		const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
		if (d) return d + 'd ' + h + 'h';
		if (h) return h + 'h ' + m + 'm';
		if (m) return m + 'm ' + sec + 's';
		return sec + 's';
	}

	/* evidence: strings, or objects shown as "key: value, ..." */
	function evidenceText(ev) {
		if (ev === null || ev === undefined) return '';
		if (typeof ev !== 'object') return String(ev);
		if (Array.isArray(ev)) return ev.map(evidenceText).join('; ');
		return Object.entries(ev).map(([k, v]) =>
			k + ': ' + (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
	}

	function sbStatus(o) {
		const sb = o && o.split_brain;
		return sb && typeof sb.status === 'string' ? sb.status : 'unknown';
	}

	function sbEvidence(o) {
		const ev = o && o.split_brain && o.split_brain.evidence;
		if (ev === undefined || ev === null) return [];
		return Array.isArray(ev) ? ev : [ev];
	}

	/* ---- the API ------------------------------------------------------------------ */

	class ApiError extends Error {
		constructor(status, err, message) {
			super(message);
			this.status = status;
			this.fix = err && err.fix ? String(err.fix) : '';
			this.field = err && err.field ? String(err.field) : '';
		}
	}

	async function api(method, path, body, timeoutMs) {
		const headers = { Accept: 'application/json' };
		if (token) headers.Authorization = 'Bearer ' + token;
		if (body !== undefined) headers['Content-Type'] = 'application/json';
		const ctl = new AbortController();
		const timer = setTimeout(() => ctl.abort(), timeoutMs || READ_TIMEOUT_MS);
		try {
			let res;
			try {
				res = await fetch(path, {
					method, headers, cache: 'no-store', credentials: 'omit', signal: ctl.signal,
					body: body === undefined ? undefined : JSON.stringify(body),
				});
			} catch (e) {
				throw new ApiError(0, null, e && e.name === 'AbortError'
					? 'no answer from the API within ' + Math.round((timeoutMs || READ_TIMEOUT_MS) / 1000) + ' s'
					: 'cannot reach the API (is vigild running?)');
			}
			let j = null;
			try { j = await res.json(); } catch (e) { j = null; }
			if (!res.ok) {
				const err = j && j.error;
				throw new ApiError(res.status, err,
					'HTTP ' + res.status + ': ' + (err && err.message ? err.message : res.statusText || 'error'));
			}
			if (j === null) throw new ApiError(res.status, null, 'the API answered something that is not JSON');
			return j;
		} finally {
			clearTimeout(timer);
		}
	}

	/* ---- the token ------------------------------------------------------------------ */

	function loadToken() {
		try { token = sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { token = ''; }
		$('token').value = token;
		tokenStatus('');
	}

	function setToken(t) {
		token = t.trim();
		try {
			if (token) sessionStorage.setItem(TOKEN_KEY, token);
			else sessionStorage.removeItem(TOKEN_KEY);
		} catch (e) { /* storage off: the token lives in this page only */ }
	}

	function tokenStatus(msg) {
		const panel = $('token-panel');
		$('token-msg').textContent = msg || (token ? 'A token is set for this tab.'
			: 'Edits need the token (' + (readsNeedToken ? 'and so do reads on this server' : 'reads do not') + ').');
		panel.classList.toggle('wanted', Boolean(msg));
	}

	/* Ask for the token again: say why, empty the field, focus it. */
	function askToken(why, forget) {
		if (forget) {
			setToken('');
			$('token').value = '';
		}
		tokenStatus(why);
		$('token-panel').hidden = false;
		const input = $('token');
		if (document.activeElement !== input) {
			input.focus({ preventScroll: true });
			$('token-panel').scrollIntoView({ block: 'nearest' });
		}
	}

	/* ---- polling -------------------------------------------------------------------- */

	function schedule(delay) {
		clearTimeout(pollTimer);
		pollTimer = setTimeout(poll, Math.max(0, delay));
	}

	async function poll() {
		if (polling) return;
		polling = true;
		const started = Date.now();
		try {
			const [st, insts, vss] = await Promise.all([
				api('GET', '/api/v1/status'),
				api('GET', '/api/v1/instances'),
				api('GET', '/api/v1/virtual-servers'),
			]);
			const vsList = Array.isArray(vss.virtual_servers) ? vss.virtual_servers : [];
			const rsLists = await Promise.all(vsList.map((v) =>
				api('GET', '/api/v1/virtual-servers/' + encodeURIComponent(v.id) + '/real-servers').then(
					(j) => ({ list: Array.isArray(j.real_servers) ? j.real_servers : [] }),
					(e) => {
						if (e.status === 401 || e.status === 403) throw e;
						return { error: e };
					})));
			const instList = Array.isArray(insts.instances) ? insts.instances : [];
			renderHeader(st);
			renderBanner(st, instList);
			renderInstances(instList);
			renderVirtualServers(vsList, rsLists);
			/* the token serves the real servers' buttons (and reads, where they need it) */
			$('token-panel').hidden = !vsList.length && !readsNeedToken && !$('token-panel').classList.contains('wanted');
			lastOkMs = Date.now();
			failingSinceMs = 0;
			document.body.dataset.updated = String(lastOkMs);
			$('api-error').hidden = true;
			if (readsNeedToken && $('token-panel').classList.contains('wanted') && token) tokenStatus('');
		} catch (e) {
			if (!failingSinceMs) failingSinceMs = Date.now();
			let msg = e && e.message ? e.message : String(e);
			if (e && (e.status === 401 || e.status === 403)) {
				readsNeedToken = true;
				if (e.status === 403 || token) {
					askToken('The token was refused (' + e.status + '): this server needs the token for reads too; enter it again.', true);
				} else {
					askToken('This server needs the token for reads too: enter it to see the state.');
				}
				msg = 'The API wants a token (' + e.status + '): enter it above.';
			} else if (e instanceof ApiError && e.fix) {
				msg += ' (' + e.fix + ')';
			}
			showApiError(msg);
		} finally {
			polling = false;
			refreshFreshness();
			schedule(POLL_MS - (Date.now() - started));
		}
	}

	function showApiError(msg) {
		const p = $('api-error');
		p.textContent = 'API unreachable since ' + fmtClock(failingSinceMs) + ': ' + msg +
			(lastOkMs ? ' — the data below is from ' + fmtClock(lastOkMs) + '.' : '');
		p.hidden = false;
	}

	function refreshFreshness() {
		const now = Date.now();
		if (!lastOkMs) {
			$('updated').textContent = 'not updated yet';
		} else {
			const age = Math.max(0, Math.round((now - lastOkMs) / 1000));
			$('updated').textContent = 'updated ' + fmtClock(lastOkMs) + (age >= 2 ? ' (' + fmtDuration(age) + ' ago)' : '');
		}
		document.body.classList.toggle('stale', !lastOkMs || now - lastOkMs > 3 * POLL_MS);
	}

	/* ---- header and banner ------------------------------------------------------------ */

	function renderHeader(st) {
		$('node').textContent = text(st.node, '(no name)');
		document.title = 'vigil ' + text(st.node, '');
		$('version').textContent = text(st.version);
		$('uptime').textContent = fmtDuration(st.uptime_s);
		const snmp = st.snmp || {};
		$('snmp').textContent = !snmp.enabled ? 'off' : snmp.connected ? 'connected' : 'not connected';
		$('snmp').className = snmp.enabled && !snmp.connected ? 'no' : '';
		const s = sbStatus(st);
		$('split').textContent = s;
		$('split').className = ALARMS[s] ? 'no' : '';
	}

	function renderBanner(st, insts) {
		const flagged = [];
		const named = new Set();
		for (const i of insts) {
			const s = sbStatus(i);
			if (ALARMS[s]) {
				flagged.push({ what: i.name + ' (VRID ' + i.vrid + ', ' + i.interface + ')', status: s, evidence: sbEvidence(i) });
				named.add(i.name);
			}
		}
		const gs = sbStatus(st);
		let worst = '';
		for (const a of ALARM_ORDER) {
			if (gs === a || flagged.some((f) => f.status === a)) { worst = a; break; }
		}
		const banner = $('banner');
		if (!worst) {
			banner.hidden = true;
			banner.dataset.status = '';
			return;
		}
		const list = $('banner-list');
		list.replaceChildren();
		/* evidence shown once: under its instance, else under the node */
		const shown = new Set();
		for (const f of flagged) for (const ev of f.evidence) shown.add(evidenceText(ev));
		/* the node-wide verdict: its evidence, and instances it names that
		 * did not flag themselves */
		if (ALARMS[gs]) {
			const sb = st.split_brain || {};
			const extra = Array.isArray(sb.instances) ? sb.instances.map((x) =>
				x && typeof x === 'object' ? text(x.name, evidenceText(x)) : String(x)).filter((n) => !named.has(n)) : [];
			const ev = sbEvidence(st).filter((x) => !shown.has(evidenceText(x)));
			if (ev.length || extra.length || !flagged.length) {
				list.append(bannerItem('node ' + text(st.node, '') + (extra.length ? ': ' + extra.join(', ') : ''), gs, ev));
			}
		}
		for (const f of flagged) list.append(bannerItem(f.what, f.status, f.evidence));
		$('banner-title').textContent = ALARMS[worst] + (worst === 'split'
			? ': more than one node is MASTER' : worst === 'no-master' ? ': no node is MASTER' : '');
		banner.dataset.status = worst;
		banner.hidden = false;
	}

	function bannerItem(what, status, evidence) {
		const li = el('li', { className: 'sb-item' }, el('strong', null, what), ': ' + status);
		if (evidence.length) {
			li.append(el('ul', { className: 'evidence' }, ...evidence.map((ev) => el('li', null, evidenceText(ev)))));
		}
		return li;
	}

	/* ---- instances -------------------------------------------------------------------- */

	function overrideText(o) {
		if (!o) return '';
		let s = o.kind + (o.kind === 'weight' || o.kind === 'demote' ? ' ' + text(o.value, '') : '') + ' by ' + text(o.who, '?');
		if (o.reason) s += ': ' + o.reason;
		if (o.since) s += ', since ' + fmtTime(o.since);
		if (o.expires) s += ', until ' + fmtTime(o.expires);
		return s;
	}

	function renderInstances(insts) {
		const box = $('instances');
		$('inst-empty').hidden = insts.length > 0;
		const seen = new Set();
		let prev = null;
		for (const i of insts) {
			const key = String(i.id);
			seen.add(key);
			let c = instCards.get(key);
			if (!c) {
				c = { el: el('article', { className: 'inst', dataset: { id: key } }), sig: '' };
				instCards.set(key, c);
			}
			const sig = JSON.stringify(i);
			if (sig !== c.sig) {
				c.sig = sig;
				fillInstance(c.el, i);
			}
			/* keep the API's order */
			const want = prev ? prev.nextSibling : box.firstChild;
			if (want !== c.el) box.insertBefore(c.el, want);
			prev = c.el;
		}
		for (const [k, c] of instCards) {
			if (!seen.has(k)) { c.el.remove(); instCards.delete(k); }
		}
	}

	function fillInstance(card, i) {
		const state = text(i.state, 'UNKNOWN');
		card.className = 'inst state-' + state + '-card' + (ALARMS[sbStatus(i)] ? ' split' : '');
		card.dataset.name = text(i.name, '');
		card.dataset.state = state;
		const prio = i.effective_priority === i.base_priority
			? String(i.base_priority)
			: text(i.effective_priority) + ' (base ' + text(i.base_priority) + ')';
		const vips = Array.isArray(i.vips) && i.vips.length
			? i.vips.map((v) => v.address + (v.advertised === false ? ' (excluded)' : '')).join(', ') : '–';
		const lt = i.last_transition || {};
		const rows = [
			['VRID', text(i.vrid)],
			['interface', text(i.interface)],
			['priority', prio],
			['master', text(i.master)],
			['VIPs', vips],
			['since', fmtTime(lt.at)],
			['why', text(lt.reason)],
		];
		if (i.override) rows.push(['override', overrideText(i.override)]);
		if (ALARMS[sbStatus(i)]) rows.push(['split brain', sbStatus(i)]);
		const dl = el('dl', { className: 'kv' });
		for (const [k, v] of rows) {
			dl.append(el('dt', null, k), el('dd', { className: 'f-' + k.replace(/\W+/g, '-') }, v));
		}
		put(card,
			el('div', { className: 'inst-head' },
				el('h3', { className: 'inst-name' }, text(i.name)),
				el('span', { className: 'state state-' + state }, state)),
			dl);
	}

	/* ---- virtual servers and real servers ------------------------------------------------ */

	const RS_COLUMNS = [
		['key', 'Real server'], ['health', 'Health'], ['in-service', 'In service'], ['weight', 'Weight'],
		['admin', 'Admin state'], ['conns', 'Connections'], ['actions', ''],
	];

	function renderVirtualServers(vsList, rsLists) {
		const box = $('virtual-servers');
		$('vs-empty').hidden = vsList.length > 0;
		const seen = new Set();
		let prev = null;
		vsList.forEach((v, n) => {
			const key = String(v.id);
			seen.add(key);
			let b = vsBlocks.get(key);
			if (!b) {
				b = makeVsBlock(key);
				vsBlocks.set(key, b);
			}
			fillVsHead(b, v);
			fillRealServers(b, v, rsLists[n]);
			const want = prev ? prev.nextSibling : box.firstChild;
			if (want !== b.el) box.insertBefore(b.el, want);
			prev = b.el;
		});
		for (const [k, b] of vsBlocks) {
			if (!seen.has(k)) { b.el.remove(); vsBlocks.delete(k); }
		}
	}

	function makeVsBlock(id) {
		const head = el('div', { className: 'vs-head' });
		const err = el('p', { className: 'rs-error', hidden: true });
		const tr = el('tr');
		const ths = {};
		for (const [k, label] of RS_COLUMNS) {
			ths[k] = el('th', { scope: 'col', className: 'c-' + k }, label);
			tr.append(ths[k]);
		}
		const tbody = el('tbody');
		const table = el('table', { className: 'rs' }, el('thead', null, tr), tbody);
		const sec = el('section', { className: 'vs', dataset: { id } }, head, err, table);
		return { el: sec, head, err, ths, tbody, sig: '', rows: new Map() };
	}

	function fillVsHead(b, v) {
		const sig = JSON.stringify(v);
		if (sig === b.sig) return;
		b.sig = sig;
		b.el.dataset.key = text(v.key, '');
		const meta = [text(v.scheduler, ''), text(v.forwarding, ''),
			text(v.real_servers_up, '?') + '/' + text(v.real_servers_total, '?') + ' up'].filter(Boolean).join(' · ');
		put(b.head,
			el('h3', { className: 'vs-key' }, text(v.key)),
			el('span', { className: 'vs-meta' }, meta),
			v.quorum > 0 ? el('span', { className: v.quorum_met ? 'vs-meta' : 'quorum-lost' },
				'quorum ' + v.quorum + (v.quorum_met ? ' met' : ' LOST')) : null);
	}

	function fillRealServers(b, v, res) {
		if (res.error) {
			b.err.textContent = 'real servers: ' + res.error.message;
			b.err.hidden = false;
			return;   /* keep the last rows we had */
		}
		b.err.hidden = true;
		const list = res.list;
		const showConns = list.some((r) => Object.prototype.hasOwnProperty.call(r, 'connections'));
		b.ths.conns.hidden = !showConns;
		const seen = new Set();
		let prev = null;
		for (const r of list) {
			const key = String(r.id);
			seen.add(key);
			let row = b.rows.get(key);
			if (!row) {
				row = makeRsRow(v.id, r.id);
				b.rows.set(key, row);
			}
			fillRsRow(row, r, showConns);
			const want = prev ? prev.nextSibling : b.tbody.firstChild;
			if (want !== row.tr) b.tbody.insertBefore(row.tr, want);
			prev = row.tr;
		}
		for (const [k, row] of b.rows) {
			if (!seen.has(k)) { row.tr.remove(); b.rows.delete(k); }
		}
	}

	/* A row is made once and then filled in place: a button under the
	 * pointer is never replaced by a redraw. */
	function makeRsRow(vsId, rsId) {
		const tr = el('tr', { className: 'rs-row', dataset: { vs: String(vsId), id: String(rsId) } });
		const td = {};
		for (const [k, label] of RS_COLUMNS) {
			td[k] = el('td', { className: 'c-' + k, dataset: { label: label || 'Actions' } });
			tr.append(td[k]);
		}
		const cell = (k) => { const d = el('div', { className: 'cell' }); td[k].append(d); return d; };
		const row = { tr, td, vsId, rsId, buttons: {}, key: '' };
		row.keyCell = cell('key');
		row.healthCell = cell('health');
		row.inServiceCell = cell('in-service');
		row.weightCell = cell('weight');
		row.adminCell = cell('admin');
		row.connsCell = cell('conns');
		const acts = el('div', { className: 'cell actions' });
		for (const a of ACTIONS) {
			const btn = el('button', {
				type: 'button', className: 'act act-' + a.act, title: a.title,
				dataset: { act: a.act, vs: String(vsId), rs: String(rsId) },
			}, a.label);
			row.buttons[a.act] = btn;
			acts.append(btn);
		}
		td.actions.append(acts);
		return row;
	}

	function fillRsRow(row, r, showConns) {
		const sig = JSON.stringify(r) + showConns + pendingEdits.has(row.vsId + '/' + row.rsId);
		if (sig === row.sig) return;
		row.sig = sig;
		row.key = text(r.key, '');
		row.tr.dataset.key = row.key;
		const h = r.health || {};
		const hs = text(h.state, 'unknown');
		row.tr.dataset.health = hs;
		put(row.keyCell, el('strong', null, text(r.key)));
		put(row.healthCell,
			el('span', { className: 'state health state-' + hs }, hs),
			el('span', { className: 'reason' }, text(h.reason, '') + (h.since ? (h.reason ? ', ' : '') + 'since ' + fmtTime(h.since) : '')));
		put(row.inServiceCell, r.in_service ? 'yes' : el('span', { className: 'no' }, 'no'));
		const w = r.weight || {};
		put(row.weightCell,
			el('span', { className: 'w-effective' }, text(w.effective, 'not in IPVS')),
			el('span', { className: 'reason' }, 'configured ' + text(w.configured) + ', override ' + text(w.override)));
		const admin = text(r.admin_state, 'ready');
		row.tr.dataset.admin = admin;
		put(row.adminCell,
			el('span', { className: 'state admin admin-' + admin }, admin),
			r.override ? el('span', { className: 'reason' }, overrideText(r.override)) : null);
		row.td.conns.hidden = !showConns;
		const c = r.connections;
		row.connsCell.textContent = c && typeof c === 'object'
			? text(c.active, '0') + ' active, ' + text(c.inactive, '0') + ' inactive' + (c.total !== undefined && c.total !== null ? ', ' + c.total + ' total' : '')
			: '–';
		const busy = pendingEdits.has(row.vsId + '/' + row.rsId);
		for (const a of ACTIONS) {
			const b = row.buttons[a.act];
			b.hidden = a.act === admin;   /* offer the other two states */
			b.disabled = busy;
			b.dataset.key = row.key;
			b.setAttribute('aria-label', a.label + ' ' + row.key);
		}
	}

	/* ---- edits ---------------------------------------------------------------------------- */

	function editMsg(msg, fix, isError) {
		const p = $('edit-msg');
		put(p, msg);
		if (fix) p.append(el('span', { className: 'fix' }, 'Fix: ' + fix));
		p.classList.toggle('error', Boolean(isError));
		p.hidden = false;
	}

	async function edit(vsId, rsId, act, key) {
		const label = (ACTIONS.find((a) => a.act === act) || { label: act }).label;
		if (!token) {
			editMsg(label + ' ' + key + ': not sent, the token is needed.', 'enter the token above, then click ' + label + ' again', true);
			askToken('Enter the token to ' + label.toLowerCase() + ' ' + key + ', then click ' + label + ' again.');
			return;
		}
		const id = vsId + '/' + rsId;
		if (pendingEdits.has(id)) return;
		pendingEdits.add(id);
		setRowBusy(vsId, rsId, true);
		editMsg(label + ' ' + key + '…', '', false);
		const reason = $('reason').value.trim() || 'status page';
		try {
			const r = await api('PATCH', '/api/v1/virtual-servers/' + encodeURIComponent(vsId) +
				'/real-servers/' + encodeURIComponent(rsId), { admin_state: act, reason }, EDIT_TIMEOUT_MS);
			pendingEdits.delete(id);
			editMsg(text(r.key, key) + ': ' + text(r.admin_state, act) +
				(r.override && r.override.who ? ' (by ' + r.override.who + ')' : '') + '.', '', false);
			tokenStatus('');
			const b = vsBlocks.get(String(vsId));
			const row = b && b.rows.get(String(rsId));
			if (row) fillRsRow(row, r, !b.ths.conns.hidden);
		} catch (e) {
			pendingEdits.delete(id);
			if (e.status === 401 || e.status === 403) {
				editMsg(label + ' ' + key + ' refused: ' + e.message + '.', e.fix || 'enter the token again', true);
				askToken('The token was refused (' + e.status + '): enter it again, then click ' + label + ' again.', true);
			} else {
				editMsg(label + ' ' + key + ' failed: ' + e.message + '.', e.fix, true);
			}
		} finally {
			setRowBusy(vsId, rsId, false);
			schedule(0);   /* show the rest of the change now */
		}
	}

	function setRowBusy(vsId, rsId, busy) {
		const b = vsBlocks.get(String(vsId));
		const row = b && b.rows.get(String(rsId));
		if (!row) return;
		row.sig = '';
		for (const btn of Object.values(row.buttons)) btn.disabled = busy;
	}

	/* ---- start ------------------------------------------------------------------------------ */

	function start() {
		loadToken();
		$('token-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			setToken($('token').value);
			tokenStatus(token ? '' : 'No token set.');
			$('token-panel').classList.remove('wanted');
			schedule(0);
		});
		/* what is typed is what the next edit sends, Enter or not */
		$('token').addEventListener('input', () => setToken($('token').value));
		$('token-forget').addEventListener('click', () => {
			setToken('');
			$('token').value = '';
			tokenStatus('');
		});
		$('virtual-servers').addEventListener('click', (ev) => {
			const btn = ev.target instanceof Element ? ev.target.closest('button.act') : null;
			if (!btn || btn.disabled) return;
			edit(btn.dataset.vs, btn.dataset.rs, btn.dataset.act, btn.dataset.key || '');
		});
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'visible') schedule(0);
		});
		setInterval(refreshFreshness, 500);
		poll();
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
	else start();
})();
