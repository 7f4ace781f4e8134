#!/usr/bin/env node
/*
 * webui-driver.js - drives vigil's status page in Debian's headless Chromium
 * (playwright-core, executablePath /usr/bin/chromium) for
 * tests/integration/t_webui.sh, one command at a time.
 *
 * Usage: node webui-driver.js [CHROMIUM]  (default /usr/bin/chromium)
 *
 * Reads commands on stdin, one a line, fields separated by TABs (so an
 * argument holds no TAB and no newline: JS from the test has them turned
 * into spaces); answers
 * each with one line on stdout: "ok<TAB>JSON" or "err<TAB>MESSAGE".
 *
 *   launch                    start Chromium (open does it too): its version
 *   open URL [WIDTH HEIGHT]   launch (once), new page at WIDTH x HEIGHT
 *                             (default 1280 x 900), load URL.  The page's
 *                             document gets the header the server is to
 *                             send, Content-Security-Policy: default-src
 *                             'self' (when it does not yet), so that an
 *                             inline script or style shows as a violation
 *   viewport WIDTH HEIGHT     resize the page
 *   wait MS JS [SHOW]         wait up to MS ms until the page expression JS
 *                             is truthy (checked every 25 ms); the answer
 *                             is the page's clock (epoch ms) when it was;
 *                             on a timeout, the value of the expression
 *                             SHOW goes with the error
 *   race MS PATH ERE JS [TOKEN]
 *                             wait up to MS ms until both the API's answer
 *                             to GET PATH matches the regular expression
 *                             ERE (fetched from here every 20 ms) and the
 *                             page's expression JS holds (every 25 ms):
 *                             {api, page, delay_ms}, the times in epoch ms
 *                             (how long the page took to show a change)
 *   eval JS                   the value of the page expression JS
 *   fill SELECTOR TEXT        type TEXT into the field (replacing it)
 *   click SELECTOR            click the element (waits until it is visible
 *                             and enabled, up to 5 s)
 *   reload                    reload the page
 *   screenshot PATH [full]    PNG of the viewport (or the full page)
 *   fake-status JSON          answer GET /api/v1/status with the server's
 *                             answer with JSON's keys replaced (the page's
 *                             side of split-brain states the lab cannot
 *                             make yet)
 *   fake-instances JSON       each instance of GET /api/v1/instances gets
 *                             JSON's keys
 *   reads-need-token TOKEN    GET /api/... without "Authorization: Bearer
 *                             TOKEN" is answered 401 (as with
 *                             --http-auth=all), with it passed on
 *   unfake                    drop every fake-* and reads-need-token
 *   problems                  console errors, page errors and CSP
 *                             violations seen so far (not the "Failed to
 *                             load resource" of an HTTP error answer)
 *   quit                      close the browser, exit
 */
'use strict';

const readline = require('readline');
let chromium;
try {
	({ chromium } = require('playwright-core'));
} catch (e) {
	process.stdout.write('err\tplaywright-core is not installed: ' + e.message.split('\n')[0] + '\n');
	process.exit(2);
}

const CSP = "default-src 'self'";
const executablePath = process.argv[2] || '/usr/bin/chromium';
let browser = null;
let context = null;
let page = null;
const problems = [];
let fakes = {};

function answer(ok, v) {
	const s = ok ? 'ok\t' + JSON.stringify(v === undefined ? null : v)
		: 'err\t' + String(v && v.message ? v.message : v).replace(/\s+/g, ' ').slice(0, 600);
	process.stdout.write(s + '\n');
}

async function routeApi(route) {
	const req = route.request();
	const url = new URL(req.url());
	if (fakes.readsNeedToken && req.method() === 'GET' &&
	    req.headers().authorization !== 'Bearer ' + fakes.readsNeedToken) {
		return route.fulfill({
			status: 401, contentType: 'application/json',
			headers: { 'WWW-Authenticate': 'Bearer' },
			body: JSON.stringify({ error: { status: 401, message: 'reads need the token', field: 'Authorization',
				fix: "send 'Authorization: Bearer TOKEN'" } }),
		});
	}
	const fake = url.pathname === '/api/v1/status' ? fakes.status
		: url.pathname === '/api/v1/instances' ? fakes.instances : null;
	if (!fake || req.method() !== 'GET') return route.continue();
	const resp = await route.fetch();
	let j;
	try { j = await resp.json(); } catch (e) { return route.fulfill({ response: resp }); }
	if (url.pathname === '/api/v1/status') Object.assign(j, fake);
	else for (const i of j.instances || []) Object.assign(i, fake);
	return route.fulfill({ response: resp, json: j });
}

async function launch() {
	if (!browser) browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
	return browser.version();
}

async function open(url, w, h) {
	await launch();
	if (context) await context.close();
	problems.length = 0;
	context = await browser.newContext({ viewport: { width: w || 1280, height: h || 900 } });
	page = await context.newPage();
	page.on('console', (m) => {
		if (m.type() !== 'error' && m.type() !== 'warning') return;
		const t = m.text();
		if (/Failed to load resource/.test(t)) return;   /* an HTTP error answer the page handles */
		if (m.type() === 'warning' && !/Content Security Policy|Refused to/i.test(t)) return;
		problems.push(m.type() + ': ' + t);
	});
	page.on('pageerror', (e) => problems.push('page error: ' + e.message));
	/* the document: with the CSP header the server is to send */
	const origin = new URL(url).origin;
	await page.route((u) => u.origin === origin && u.pathname === '/', async (route) => {
		const resp = await route.fetch();
		const headers = resp.headers();
		if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-security-policy'))
			headers['content-security-policy'] = CSP;
		await route.fulfill({ response: resp, headers });
	});
	await page.route((u) => u.origin === origin && u.pathname.startsWith('/api/'), routeApi);
	const resp = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
	return { status: resp ? resp.status() : null };
}

function need() {
	if (!page) throw new Error('no page: open first');
	return page;
}

async function run(f) {
	switch (f[0]) {
	case 'launch':
		return launch();
	case 'open':
		return open(f[1], Number(f[2]) || 0, Number(f[3]) || 0);
	case 'viewport':
		await need().setViewportSize({ width: Number(f[1]), height: Number(f[2]) });
		return null;
	case 'wait': {
		/* polled from here: waitForFunction would evaluate the text in
		 * the page, which its CSP forbids ('unsafe-eval') */
		const deadline = Date.now() + Number(f[1]);
		const expr = '(() => { try { return (' + f[2] + ') ? Date.now() : false; } catch (e) { return false; } })()';
		for (;;) {
			/* the page's own clock when the expression first held */
			const t = await need().evaluate(expr);
			if (t) return t;
			if (Date.now() >= deadline) {
				throw new Error('timeout after ' + f[1] + ' ms waiting for ' + f[2] +
					(f[3] ? ' (' + f[3] + ': ' + JSON.stringify(await need().evaluate(f[3]).catch((e) => e.message)) + ')' : ''));
			}
			await new Promise((r) => setTimeout(r, 25));
		}
	}
	case 'race': {
		/* the API (fetched from here every 20 ms) and the page (every
		 * 25 ms), each until it shows the change: both times */
		const deadline = Date.now() + Number(f[1]);
		const url = new URL(f[2], need().url()).href;
		const re = new RegExp(f[3]);
		const headers = f[5] ? { Authorization: 'Bearer ' + f[5] } : {};
		const expr = '(() => { try { return (' + f[4] + ') ? Date.now() : false; } catch (e) { return false; } })()';
		const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
		const apiSide = (async () => {
			while (Date.now() < deadline) {
				try {
					const r = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
					if (re.test(await r.text())) return Date.now();
				} catch (e) { /* not yet */ }
				await sleep(20);
			}
			return null;
		})();
		const pageSide = (async () => {
			while (Date.now() < deadline) {
				const t = await need().evaluate(expr);
				if (t) return t;
				await sleep(25);
			}
			return null;
		})();
		const [api, pg] = await Promise.all([apiSide, pageSide]);
		if (!api || !pg) throw new Error('timeout after ' + f[1] + ' ms: the API ' + (api ? 'did' : 'did not') +
			' show it, the page ' + (pg ? 'did' : 'did not'));
		return { api, page: pg, delay_ms: pg - api };
	}
	case 'eval':
		return need().evaluate(f[1]);
	case 'fill':
		await need().locator(f[1]).fill(f[2] || '', { timeout: 5000 });
		return null;
	case 'click':
		await need().locator(f[1]).click({ timeout: 5000 });
		return null;
	case 'reload':
		await need().reload({ waitUntil: 'load' });
		return null;
	case 'screenshot':
		await need().screenshot({ path: f[1], fullPage: f[2] === 'full' });
		return f[1];
	case 'fake-status':
		fakes.status = JSON.parse(f[1]);
		return null;
	case 'fake-instances':
		fakes.instances = JSON.parse(f[1]);
		return null;
	case 'reads-need-token':
		fakes.readsNeedToken = f[1];
		return null;
	case 'unfake':
		fakes = {};
		return null;
	case 'problems':
		return problems.slice();
	case 'quit':
		if (browser) await browser.close();
		browser = null;
		return null;
	default:
		throw new Error('unknown command ' + f[0]);
	}
}

async function main() {
	const rl = readline.createInterface({ input: process.stdin, terminal: false });
	for await (const line of rl) {
		if (!line.trim()) continue;
		const f = line.split('\t');
		try {
			answer(true, await run(f));
		} catch (e) {
			answer(false, e);
		}
		if (f[0] === 'quit') break;
	}
	if (browser) await browser.close();
	process.exit(0);
}

main().catch((e) => {
	answer(false, e);
	process.exit(1);
});
