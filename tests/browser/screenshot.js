#!/usr/bin/env node
/*
 * screenshot.js - load a page in Debian's headless Chromium (playwright-core),
 * wait until a page expression holds, save a PNG.  For tests that only need
 * to see the page once (t_split_brain.sh: the split-brain banner).
 *
 * Usage: node screenshot.js CHROMIUM URL JS OUT.png [TIMEOUT_MS]
 * Prints "ok" and exits 0 once JS was truthy and the PNG is written; else
 * prints why (with the page's text) and exits 1.
 */
'use strict';

const { chromium } = require('playwright-core');

async function main() {
	const [executablePath, url, js, out, timeout] = process.argv.slice(2);
	const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
	try {
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		await page.goto(url);
		try {
			await page.waitForFunction(js, null, { timeout: Number(timeout || 15000), polling: 100 });
		} catch (e) {
			const text = await page.evaluate(() => document.body.innerText);
			console.log('the page never showed it: ' + text.replace(/\s+/g, ' ').slice(0, 400));
			return 1;
		}
		await page.screenshot({ path: out });
		console.log('ok');
		return 0;
	} finally {
		await browser.close();
	}
}

main().then((rc) => process.exit(rc), (e) => { console.log(String(e)); process.exit(1); });
