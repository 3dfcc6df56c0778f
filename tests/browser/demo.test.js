'use strict';
/**
 * `make demo` as a newcomer runs it (with its own ports and directory through DEMO_ARGS): it
 * comes up, the dashboard shows moving values and charts, a priority chosen on the dashboard
 * goes through pi30-set to the simulated inverter and shows up in the next read, a second
 * start is refused, a crashed demo's leftovers are cleaned up, and Ctrl-C stops everything.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../e2e/harness');
const { launchBrowser, openPage, screenshot, processesWith, alive, startDemo } = require('./support');

const value = (page, css) => page.locator(`.${css} .nrdb-ui-text-value`).innerText();

/** Pick an option of a dashboard dropdown (a Vuetify select) the way a user does. */
async function choose(page, css, label) {
    await page.locator(`.${css} .v-field`).click();
    await page.locator('.v-overlay--active .v-list-item').filter({ hasText: new RegExp(`^\\s*${label.replace(/[+]/g, '\\+')}\\s*$`) }).click();
}

describe('make demo: the live dashboard in headless Chromium', function () {
    this.timeout(15 * 60e3);
    let demo;
    let browser;
    let page;
    const sim = () => h.simCall(demo.simControl, { op: 'status' });
    const health = () => h.zmqCall(demo.workerBind, { op: 'health' });

    before(async function () {
        demo = await startDemo({ name: 'make-demo' }).then((d) => d.ready);
        fs.writeFileSync(path.join(h.ARTIFACTS, 'demo-startup.json'), JSON.stringify({ startupMs: demo.startupMs, output: demo.output }, null, 2));
        browser = await launchBrowser();
    });

    afterEach(async function () {
        if (this.currentTest.state === 'failed' && page) await screenshot(page, `failed-demo-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
    });

    after(async function () {
        if (browser) await browser.close();
        if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
            demo.ctrlC();
            await demo.child.exited;
        }
        await h.stopAll();
    });

    it('comes up with the worker on the paced simulator and prints the editor and dashboard URLs', async function () {
        const text = demo.output.join('\n');
        assert.match(text, /PI30 demo running: a simulated PI30MAX inverter \(paced like a 2400-baud line/);
        assert.equal(demo.dashboard, `http://127.0.0.1:${demo.uiPort}/dashboard`);
        assert.match(text, new RegExp(`editor: +http://127\\.0\\.0\\.1:${demo.uiPort}/`));
        const status = await sim();
        assert.equal(status.model, 'pi30max');
        assert.equal(status.pacing, true, 'paced like a real line');
        const worker = await health();
        assert.equal(worker.port.state, 'connected');
        assert.equal(worker.protocol, 'PI30MAX');
        assert.deepEqual(Object.keys(demo.lock.children).sort(), ['nodeRed', 'worker']);
        // Node-RED runs from the demo directory's own node-red 4.1 and dashboard
        const nodes = await (await fetch(`http://127.0.0.1:${demo.uiPort}/nodes`, { headers: { Accept: 'application/json' } })).json();
        const modules = new Set(nodes.map((n) => n.module));
        assert.ok(modules.has('node-red-contrib-pi30') && modules.has('@flowfuse/node-red-dashboard'));
        const settings = await h.getJson(`http://127.0.0.1:${demo.uiPort}/settings`);
        assert.match(settings.version, /^4\.1\./);
    });

    it('the dashboard shows power flow, mode, warnings and charts, with values that move', async function () {
        page = await openPage(browser, demo.dashboard);
        await page.locator('.pi30-pv .nrdb-ui-text-value').filter({ hasText: / W$/ }).waitFor();
        await page.locator('.pi30-mode .nrdb-ui-text-value').filter({ hasText: /\w/ }).waitFor();
        await page.locator('.pi30-warnings .nrdb-ui-text-value').filter({ hasText: /\w/ }).waitFor();
        await page.locator('.pi30-link .nrdb-ui-text-value').filter({ hasText: /^connected - MAX-8000/ }).waitFor();
        for (const chart of ['pi30-soc-chart', 'pi30-power-chart']) {
            const canvas = page.locator(`.${chart} canvas`).first();
            await canvas.waitFor();
            const box = await canvas.boundingBox();
            assert.ok(box.width > 200 && box.height > 100, `${chart} is drawn (${box.width}x${box.height})`);
        }
        assert.match(await page.locator('.pi30-power-chart .nrdb-ui-chart').getAttribute('aria-label'), /PV.*Load.*Grid.*Battery|Battery/);

        const samples = [];
        const chartsBefore = await page.locator('.pi30-power-chart').screenshot();
        for (let i = 0; i < 6; i++) {
            samples.push({
                pv: await value(page, 'pi30-pv'), load: await value(page, 'pi30-load'),
                battery: await value(page, 'pi30-battery'), soc: await value(page, 'pi30-soc'),
            });
            await h.sleep(2000);
        }
        const chartsAfter = await page.locator('.pi30-power-chart').screenshot();
        for (const s of samples) {
            for (const v of [s.pv, s.load, s.battery]) assert.match(v, /^[+-]?\d+ W/);
            assert.match(s.soc, /^\d+ % +\(\d+\.\d+ V\)$/);
        }
        const distinct = new Set(samples.map((s) => JSON.stringify(s)));
        assert.ok(distinct.size >= 3, `the figures move: ${[...distinct].join(' | ')}`);
        assert.ok(!chartsBefore.equals(chartsAfter), 'the power chart has new points (no reload)');
        await screenshot(page, 'dashboard');
    });

    it('an output priority chosen on the dashboard reaches the inverter and shows up in the next read', async function () {
        assert.equal((await sim()).settings.output_source_priority, 2, 'the demo unit starts in SBU');
        assert.equal(await value(page, 'pi30-pop-now'), 'Solar Battery Utility');
        const settersBefore = (await health()).counters.setters;

        await choose(page, 'pi30-pop-select', 'Utility Solar Battery');
        await page.locator('.pi30-last-write .nrdb-ui-text-value').filter({ hasText: /POP00, verified$/ }).waitFor();
        await page.locator('.pi30-pop-now .nrdb-ui-text-value').filter({ hasText: /^Utility Solar Battery$/ }).waitFor();
        assert.equal((await sim()).settings.output_source_priority, 0, 'the simulated unit has the new priority');
        // Utility first: the unit moves to the line within a simulated minute (one second here)
        await page.locator('.pi30-mode .nrdb-ui-text-value').filter({ hasText: /^Line$/ }).waitFor({ timeout: 20000 });
        // ... and the grid now carries the load
        await h.waitFor(async () => parseInt(await value(page, 'pi30-grid'), 10) > 0, { what: 'grid power in Line mode', timeoutMs: 20000 });
        await screenshot(page, 'dashboard-utility-first');

        await choose(page, 'pi30-pcp-select', 'Only solar charging permitted');
        await page.locator('.pi30-pcp-now .nrdb-ui-text-value').filter({ hasText: /^Only solar charging permitted$/ }).waitFor();
        await page.locator('.pi30-last-write .nrdb-ui-text-value').filter({ hasText: /PCP03, verified$/ }).waitFor();
        assert.equal((await sim()).settings.charger_source_priority, 3);

        // the read-back only moves the dropdowns: no write of its own, no loop
        await h.sleep(12000); // longer than the QPIRI poll
        assert.equal((await health()).counters.setters, settersBefore + 2, 'exactly the two writes the user made');
        const audit = fs.readFileSync(path.join(demo.dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        assert.deepEqual(audit.slice(-2).map((a) => [a.sent, a.outcome]), [['POP00', 'changed'], ['PCP03', 'changed']]);
        assert.ok(demo.output.some((l) => l.includes('[audit] POP "Utility Solar Battery" -> POP00: changed')), 'the demo terminal shows the write');
        assert.deepEqual(page.pageErrors, []);
    });

    it('a second `make demo` is refused while one runs: never two workers', async function () {
        const second = await startDemo({ name: 'make-demo-second' });
        const result = await second.child.exited;
        assert.notEqual(result.code, 0, 'make demo fails');
        const log = fs.readFileSync(second.child.logFile, 'utf8');
        assert.match(log, /a demo is already running in .*nr-demo \(pid \d+/);
        assert.equal(processesWith('pi30-worker', 'serve', demo.workerBind).length, 1);
        assert.equal((await health()).port.state, 'connected', 'the running demo is untouched');
    });

    it('Ctrl-C stops Node-RED and the worker and removes the lock', async function () {
        const { worker, nodeRed } = demo.lock.children;
        demo.ctrlC();
        const result = await demo.child.exited;
        assert.ok(demo.output.some((l) => l === 'demo stopped'), demo.output.slice(-5).join('\n'));
        assert.ok(!alive(worker.pid), 'worker stopped');
        assert.ok(!alive(nodeRed.pid), 'Node-RED stopped');
        assert.ok(!fs.existsSync(demo.lockFile), 'lock removed');
        assert.ok(result.code !== null || result.signal !== null);
    });

    it('make demo PORT=<device> serves that port instead of the simulator (here a simulator\'s pty)', async function () {
        const unit = await h.startSim({ name: 'demo-port-sim', args: ['--speed', '60'] });
        const real = await startDemo({ name: 'make-demo-port', makeVars: [`PORT=${unit.device}`] }).then((d) => d.ready);
        try {
            assert.ok(real.output.some((l) => l.includes(`PI30 demo running: ${unit.device} (PI30MAX)`)), real.output.join('\n'));
            const worker = await h.zmqCall(real.workerBind, { op: 'health' });
            assert.equal(worker.port.url, unit.device);
            assert.equal(worker.port.state, 'connected');
            const before = (await h.simCall(unit.control, { op: 'status' })).transactions.QPIGS || 0;
            const dash = await openPage(browser, real.dashboard);
            await dash.locator('.pi30-load .nrdb-ui-text-value').filter({ hasText: / W$/ }).waitFor();
            await h.waitFor(async () => ((await h.simCall(unit.control, { op: 'status' })).transactions.QPIGS || 0) > before + 2, { what: 'polls on the pty' });
            await dash.close();
        } finally {
            real.ctrlC();
            await real.child.exited;
            await h.stopChild(unit.child);
        }
        assert.ok(!fs.existsSync(real.lockFile));
    });

    it('after a crash (supervisor killed), the next start stops the leftovers instead of adding a worker', async function () {
        const crashed = await startDemo({ name: 'crashed-demo', viaMake: false }).then((d) => d.ready);
        const { worker, nodeRed } = crashed.lock.children;
        process.kill(crashed.child.pid, 'SIGKILL');
        await crashed.child.exited;
        assert.ok(alive(worker.pid) && alive(nodeRed.pid), 'the children outlive a killed supervisor');

        const next = await startDemo({ name: 'next-demo', viaMake: false }).then((d) => d.ready);
        assert.ok(next.output.some((l) => l.includes(`stopping the worker (pid ${worker.pid}) left by a demo`)), next.output.join('\n'));
        assert.ok(!alive(worker.pid) && !alive(nodeRed.pid), 'the leftovers are gone');
        assert.equal(processesWith('pi30-worker', 'serve', crashed.workerBind).length, 0);
        assert.equal(processesWith('pi30-worker', 'serve', next.workerBind).length, 1);
        next.ctrlC();
        await next.child.exited;
        assert.ok(!fs.existsSync(next.lockFile));
    });
});
