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
const h = require('../../scripts/lib/stack');
const {
    dashboardText,
    launchBrowser,
    openPage,
    screenshot,
    processesWith,
    alive,
    startDemo,
    closeAll,
} = require('./support');

const value = (page, css) => page.locator(`.${css} .nrdb-ui-text-value`).innerText();

/** Pick an option of a dashboard dropdown (a Vuetify select) the way a user does. */
async function choose(page, css, label) {
    await page.locator(`.${css} .v-field`).click();
    await page
        .locator('.v-overlay--active .v-list-item')
        .filter({ hasText: new RegExp(`^\\s*${label.replace(/[+]/g, '\\+')}\\s*$`) })
        .click();
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
        fs.writeFileSync(
            path.join(h.ARTIFACTS, 'demo-startup.json'),
            JSON.stringify({ startupMs: demo.startupMs, output: demo.output }, null, 2),
        );
        browser = await launchBrowser();
    });

    afterEach(async function () {
        if (this.currentTest.state === 'failed' && page)
            await screenshot(
                page,
                `failed-demo-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`,
            );
    });

    after(() => closeAll({ browser, demo }));

    it('comes up with the worker on the paced simulator and prints the editor and dashboard URLs', async function () {
        const text = demo.output.join('\n');
        assert.match(
            text,
            /PI30 demo running: a simulated PI30MAX inverter \(paced like a 2400-baud line/,
        );
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
        const nodes = await (
            await fetch(`http://127.0.0.1:${demo.uiPort}/nodes`, {
                headers: { Accept: 'application/json' },
            })
        ).json();
        const modules = new Set(nodes.map((n) => n.module));
        assert.ok(
            modules.has('node-red-contrib-pi30') && modules.has('@flowfuse/node-red-dashboard'),
        );
        const settings = await h.getJson(`http://127.0.0.1:${demo.uiPort}/settings`);
        assert.match(settings.version, /^4\.1\./);
    });

    it('the dashboard shows power flow, mode, warnings and charts, with values that move', async function () {
        page = await openPage(browser, demo.dashboard);
        await page.locator('.pi30-pv .nrdb-ui-text-value').filter({ hasText: / W$/ }).waitFor();
        await page.locator('.pi30-mode .nrdb-ui-text-value').filter({ hasText: /\w/ }).waitFor();
        await page
            .locator('.pi30-warnings .nrdb-ui-text-value')
            .filter({ hasText: /\w/ })
            .waitFor();
        await page
            .locator('.pi30-link .nrdb-ui-text-value')
            .filter({ hasText: /^connected - MAX-8000/ })
            .waitFor();
        for (const chart of ['pi30-soc-chart', 'pi30-power-chart']) {
            const canvas = page.locator(`.${chart} canvas`).first();
            await canvas.waitFor();
            const box = await canvas.boundingBox();
            assert.ok(
                box.width > 200 && box.height > 100,
                `${chart} is drawn (${box.width}x${box.height})`,
            );
        }
        assert.match(
            await page.locator('.pi30-power-chart .nrdb-ui-chart').getAttribute('aria-label'),
            /PV.*Load.*Grid.*Battery|Battery/,
        );

        const samples = [];
        const chartsBefore = await page.locator('.pi30-power-chart').screenshot();
        for (let i = 0; i < 6; i++) {
            samples.push({
                pv: await value(page, 'pi30-pv'),
                load: await value(page, 'pi30-load'),
                battery: await value(page, 'pi30-battery'),
                soc: await value(page, 'pi30-soc'),
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
    });

    it("the Tempo panel shows today's colour, the plan's cost and the planner's reasons in words", async function () {
        const tempo = await openPage(browser, `${demo.dashboard}/tempo`);
        const text = (css, pattern) => dashboardText(tempo, css, pattern);
        await text('tempo-panel-today', /^(blue|white|red)$/);
        await text(
            'tempo-panel-decision',
            /^(Waiting for|Fail-safe|HC before a|HP on a|The unit fell back) /,
        );
        // the optimiser's plan: the cost and the current hour's reason, in the runtime's language
        await text('tempo-panel-cost', /^-?\d+\.\d\d EUR until \d\d:\d\d \(no automation: /);
        await text('tempo-panel-hour', /^(blue|white|red) H[CP] \d\.\d{4} EUR\/kWh: /);
        await screenshot(tempo, 'dashboard-tempo');
        assert.deepEqual(tempo.pageErrors, []);
        await tempo.close();
    });

    it("draws the power flow, gauges, today's energy, PV strings, battery current, temperature and labelled warnings", async function () {
        // the picture: each box carries the same figure as the text rows, the battery line runs
        // toward the battery when charging and away from it when discharging (read in one go)
        await page.locator('.pi30-flow-svg svg text.pi30-watts').first().waitFor();
        const view = await page.evaluate(() => {
            const box = (cls) =>
                document
                    .querySelector(`.pi30-flow-svg .pi30-node-${cls} .pi30-watts`)
                    .textContent.trim();
            const row = (cls) =>
                document.querySelector(`.${cls} .nrdb-ui-text-value`).textContent.trim();
            const line = document
                .querySelector('.pi30-flow-svg #pi30-line-battery')
                .getAttribute('class');
            return {
                pv: [box('pv'), row('pi30-pv')],
                load: [box('load'), row('pi30-load')],
                battery: [box('battery'), row('pi30-battery')],
                line,
            };
        });
        assert.equal(view.pv[0], view.pv[1]);
        assert.equal(view.load[0], view.load[1]);
        assert.equal(view.battery[0], view.battery[1].replace(/ \(.*\)$/, ''));
        const batteryW = parseInt(view.battery[0], 10);
        assert.equal(/pi30-active/.test(view.line), batteryW !== 0, view.line);
        assert.equal(/pi30-reverse/.test(view.line), batteryW < 0, view.line);

        const gauge = Number((await page.locator('.pi30-soc-gauge').innerText()).match(/\d+/)[0]);
        assert.ok(gauge >= 0 && gauge <= 100, `SOC gauge ${gauge}`);
        assert.match(await page.locator('.pi30-vbat-gauge').innerText(), /\d+\.\d+\s*V/);
        await page
            .locator('.pi30-ibat .nrdb-ui-text-value')
            .filter({ hasText: /^[+-]?\d+ A/ })
            .waitFor();
        await page
            .locator('.pi30-temp .nrdb-ui-text-value')
            .filter({ hasText: /^\d+ °C$/ })
            .waitFor();
        for (const pv of ['pi30-pv1', 'pi30-pv2']) {
            await page
                .locator(`.${pv} .nrdb-ui-text-value`)
                .filter({ hasText: /^\d+(\.\d)? V · \d+(\.\d)? A · \d+ W$/ })
                .waitFor();
        }
        // today: PV and load from the unit's own counters (PI30MAX QED / QLD), as the worker reads
        // them
        const kwh = async (cls) =>
            Number(
                (
                    await page
                        .locator(`.${cls} .nrdb-ui-text-value`)
                        .filter({ hasText: /kWh$/ })
                        .innerText()
                ).split(' ')[0],
            );
        // The figure is the counter as of the dashboard's last read; the counter moves on (the
        // simulator's clock runs 60x): read it before and after, retry past a stale moment.
        const counter = async () => {
            const { data } = await h.zmqCall(demo.workerBind, { op: 'query', command: 'QT' });
            const day = data.device_time.slice(0, 10).replace(/-/g, '');
            return (await h.zmqCall(demo.workerBind, { op: 'query', command: `QED${day}` })).data
                .pv_generated_energy_for_day;
        };
        await h.waitFor(
            async () => {
                const before = await counter();
                const pvToday = await kwh('pi30-today-pv');
                const after = await counter();
                const wh = pvToday * 1000;
                if (pvToday > 0 && wh >= before - (0.1 * before + 50) && wh <= after + 5) {
                    return true;
                }
                throw new Error(`PV today ${pvToday} kWh, counter ${before}..${after} Wh`);
            },
            { what: "today's PV as the unit counts it", timeoutMs: 60000, intervalMs: 1000 },
        );
        assert.ok((await kwh('pi30-today-load')) > 0);
        await page
            .locator('.pi30-today-grid .nrdb-ui-text-value')
            .filter({ hasText: /^\d+\.\d\d kWh$/ })
            .waitFor();
        await page
            .locator('.pi30-today-battery .nrdb-ui-text-value')
            .filter({ hasText: /^\+\d+\.\d\d kWh \/ -\d+\.\d\d kWh$/ })
            .waitFor();

        // a warning forced on the unit shows by its catalogue label, then goes
        await h.simCall(demo.simControl, { op: 'set_state', warnings: ['line_fail_warning'] });
        await page
            .locator('.pi30-warnings .nrdb-ui-text-value')
            .filter({ hasText: /^Line fail warning$/ })
            .waitFor({ timeout: 20000 });
        await screenshot(page, 'dashboard-warning');
        await h.simCall(demo.simControl, { op: 'set_state', warnings: [] });
        await page
            .locator('.pi30-warnings .nrdb-ui-text-value')
            .filter({ hasText: /^none$/ })
            .waitFor({ timeout: 20000 });

        await page.setViewportSize({ width: 1440, height: 1000 });
        await h.sleep(1000);
        await screenshot(page, 'dashboard', { fullPage: true });
        // a phone: one column, nothing wider than the screen, the picture readable
        const phone = await browser.newPage({
            viewport: { width: 390, height: 844 },
            deviceScaleFactor: 2,
            isMobile: true,
            hasTouch: true,
        });
        phone.pageErrors = [];
        phone.on('pageerror', (err) => phone.pageErrors.push(err.message));
        await phone.goto(demo.dashboard);
        await phone.locator('.pi30-flow-svg svg text.pi30-watts').first().waitFor();
        await phone
            .locator('.pi30-today-pv .nrdb-ui-text-value')
            .filter({ hasText: /kWh$/ })
            .waitFor();
        const layout = await phone.evaluate(() => {
            const svg = document.querySelector('.pi30-flow-svg svg').getBoundingClientRect();
            return {
                scrollWidth: document.documentElement.scrollWidth,
                svgWidth: svg.width,
                svgLeft: svg.left,
            };
        });
        assert.ok(
            layout.scrollWidth <= 390,
            `no horizontal scrolling on a phone (${layout.scrollWidth} px)`,
        );
        assert.ok(
            layout.svgWidth > 250 && layout.svgLeft >= 0,
            `the picture fills the phone's width (${layout.svgWidth} px)`,
        );
        await screenshot(phone, 'dashboard-phone');
        await screenshot(phone, 'dashboard-phone-full', { fullPage: true });
        assert.deepEqual(phone.pageErrors, []);
        await phone.close();
    });

    it('an output priority chosen on the dashboard reaches the inverter and shows up in the next read', async function () {
        assert.equal(
            (await sim()).settings.output_source_priority,
            2,
            'the demo unit starts in SBU',
        );
        assert.equal(await value(page, 'pi30-pop-now'), 'Solar Battery Utility');
        const settersBefore = (await health()).counters.setters;
        // every text the "Last change" row shows, in order (the pending line is short-lived)
        await page.evaluate(() => {
            const el = document.querySelector('.pi30-last-write');
            window.pi30WriteLines = [];
            new MutationObserver(() => {
                const text = el.querySelector('.nrdb-ui-text-value').textContent.trim();
                if (text && window.pi30WriteLines.at(-1) !== text) window.pi30WriteLines.push(text);
            }).observe(el, { subtree: true, childList: true, characterData: true });
        });

        await choose(page, 'pi30-pop-select', 'Utility Solar Battery');
        await page
            .locator('.pi30-last-write .nrdb-ui-text-value')
            .filter({
                hasText: /Output source priority → Utility Solar Battery: confirmed by read-back$/,
            })
            .waitFor();
        const lines = await page.evaluate(() => window.pi30WriteLines);
        assert.match(
            lines[0],
            /^⏳ Output source priority → Utility Solar Battery: writing…$/,
            lines.join(' | '),
        );
        assert.match(
            lines.at(-1),
            /^✓ \d\d:\d\d:\d\d {2}Output source priority → Utility Solar Battery: confirmed by read-back$/,
        );
        await page
            .locator('.pi30-pop-now .nrdb-ui-text-value')
            .filter({ hasText: /^Utility Solar Battery$/ })
            .waitFor();
        assert.equal(
            (await sim()).settings.output_source_priority,
            0,
            'the simulated unit has the new priority',
        );
        // Utility first: the unit moves to the line within a simulated minute (one second here)
        await page
            .locator('.pi30-mode .nrdb-ui-text-value')
            .filter({ hasText: /^Line$/ })
            .waitFor({ timeout: 20000 });
        // ... and the grid now carries the load
        await h.waitFor(async () => parseInt(await value(page, 'pi30-grid'), 10) > 0, {
            what: 'grid power in Line mode',
            timeoutMs: 20000,
        });
        await screenshot(page, 'dashboard-utility-first');

        await choose(page, 'pi30-pcp-select', 'Only solar charging permitted');
        await page
            .locator('.pi30-pcp-now .nrdb-ui-text-value')
            .filter({ hasText: /^Only solar charging permitted$/ })
            .waitFor();
        await page
            .locator('.pi30-last-write .nrdb-ui-text-value')
            .filter({
                hasText:
                    /Charger source priority → Only solar charging permitted: confirmed by read-back$/,
            })
            .waitFor();
        assert.equal((await sim()).settings.charger_source_priority, 3);

        // Line mode, a load larger than PV so that PV and the grid both feed it: the grid figure
        // against the simulator's truth. The figure comes from whole amps of battery current
        // (±V/2) and from a reading up to one 2-s poll old: the simulated day runs at real speed
        // meanwhile, else two simulated minutes of passing clouds separate figure and truth.
        await h.simCall(demo.simControl, { op: 'set_state', load_w: 2600 });
        await h.simCall(demo.simControl, { op: 'clock', speed: 1 });
        await h.waitFor(async () => parseInt(await value(page, 'pi30-load'), 10) > 2000, {
            what: 'the larger load on the dashboard',
            timeoutMs: 20000,
        });
        await h.sleep(4000); // two polls at the new speed
        const errors = [];
        for (let i = 0; i < 6; i++) {
            const [shown, truth] = await Promise.all([value(page, 'pi30-grid'), sim()]);
            const load = parseInt(await value(page, 'pi30-load'), 10);
            errors.push({
                shown: parseInt(shown, 10),
                resolution: Number(/±(\d+) W/.exec(shown)[1]),
                truth: truth.state.grid_w,
                load,
                mode: truth.state.mode,
            });
            await h.sleep(2000);
        }
        fs.writeFileSync(
            path.join(h.ARTIFACTS, 'demo-grid-vs-truth.json'),
            JSON.stringify(errors, null, 1),
        );
        await h.simCall(demo.simControl, { op: 'set_state', load_w: null });
        await h.simCall(demo.simControl, { op: 'clock', speed: 60 });
        const line = errors.filter((e) => e.mode === 'L');
        assert.ok(line.length >= 3, JSON.stringify(errors));
        // within the resolution it states, plus 10 W for the simulator's drift between the two
        // reads
        const wrong = line.filter((e) => Math.abs(e.shown - e.truth) > e.resolution + 10);
        assert.deepEqual(wrong, [], `grid figure against the simulator: ${JSON.stringify(errors)}`);

        // the read-back only moves the dropdowns: no write of its own, no loop
        await h.sleep(12000); // longer than the QPIRI poll
        assert.equal(
            (await health()).counters.setters,
            settersBefore + 2,
            'exactly the two writes the user made',
        );
        const audit = fs
            .readFileSync(path.join(demo.dir, 'audit.jsonl'), 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l));
        assert.deepEqual(
            audit.slice(-2).map((a) => [a.sent, a.outcome]),
            [
                ['POP00', 'changed'],
                ['PCP03', 'changed'],
            ],
        );
        assert.ok(
            demo.output.some((l) =>
                l.includes('[audit] POP "Utility Solar Battery" -> POP00: changed'),
            ),
            'the demo terminal shows the write',
        );

        // a change made elsewhere (Home Assistant, the unit's panel): the dashboard follows
        await h.zmqCall(demo.workerBind, {
            op: 'set',
            command: 'POP',
            value: 'Solar Battery Utility',
        });
        await page
            .locator('.pi30-pop-now .nrdb-ui-text-value')
            .filter({ hasText: /^Solar Battery Utility$/ })
            .waitFor({ timeout: 15000 });
        await page
            .locator('.pi30-pop-select .v-field')
            .filter({ hasText: 'Solar Battery Utility' })
            .waitFor({ timeout: 15000 });
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
        assert.ok(
            demo.output.some((l) => l === 'demo stopped'),
            demo.output.slice(-5).join('\n'),
        );
        assert.ok(!alive(worker.pid), 'worker stopped');
        assert.ok(!alive(nodeRed.pid), 'Node-RED stopped');
        assert.ok(!fs.existsSync(demo.lockFile), 'lock removed');
        assert.ok(result.code !== null || result.signal !== null);
    });

    it("make demo PORT=<device> serves that port instead of the simulator (here a simulator's pty)", async function () {
        const unit = await h.startSim({ name: 'demo-port-sim', args: ['--speed', '60'] });
        const real = await startDemo({
            name: 'make-demo-port',
            makeVars: [`PORT=${unit.device}`],
        }).then((d) => d.ready);
        try {
            assert.ok(
                real.output.some((l) => l.includes(`PI30 demo running: ${unit.device} (PI30MAX)`)),
                real.output.join('\n'),
            );
            const worker = await h.zmqCall(real.workerBind, { op: 'health' });
            assert.equal(worker.port.url, unit.device);
            assert.equal(worker.port.state, 'connected');
            const before =
                (await h.simCall(unit.control, { op: 'status' })).transactions.QPIGS || 0;
            const dash = await openPage(browser, real.dashboard);
            await dash
                .locator('.pi30-load .nrdb-ui-text-value')
                .filter({ hasText: / W$/ })
                .waitFor();
            await h.waitFor(
                async () =>
                    ((await h.simCall(unit.control, { op: 'status' })).transactions.QPIGS || 0) >
                    before + 2,
                { what: 'polls on the pty' },
            );
            await dash.close();
        } finally {
            real.ctrlC();
            await real.child.exited;
            await h.stopChild(unit.child);
        }
        assert.ok(!fs.existsSync(real.lockFile));
    });

    it('after a crash (supervisor killed), the next start stops the leftovers instead of adding a worker', async function () {
        const crashed = await startDemo({ name: 'crashed-demo', viaMake: false }).then(
            (d) => d.ready,
        );
        const { worker, nodeRed } = crashed.lock.children;
        process.kill(crashed.child.pid, 'SIGKILL');
        await crashed.child.exited;
        assert.ok(
            alive(worker.pid) && alive(nodeRed.pid),
            'the children outlive a killed supervisor',
        );

        const next = await startDemo({ name: 'next-demo', viaMake: false }).then((d) => d.ready);
        assert.ok(
            next.output.some((l) =>
                l.includes(`stopping the worker (pid ${worker.pid}) left by a demo`),
            ),
            next.output.join('\n'),
        );
        assert.ok(!alive(worker.pid) && !alive(nodeRed.pid), 'the leftovers are gone');
        assert.equal(processesWith('pi30-worker', 'serve', crashed.workerBind).length, 0);
        assert.equal(processesWith('pi30-worker', 'serve', next.workerBind).length, 1);
        next.ctrlC();
        await next.child.exited;
        assert.ok(!fs.existsSync(next.lockFile));
    });
});
