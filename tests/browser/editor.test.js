'use strict';
/**
 * The Node-RED editor as a user works in it, in headless Chromium: the PI30 nodes in the
 * palette, a pi30-query dropped on a new flow, its edit dialog listing the live worker's
 * catalogue, a debug node wired to it, Deploy, and the decoded reading in the debug sidebar.
 * The stack is the demo's (scripts/demo.js): a worker on the paced simulator and Node-RED
 * with node-red-contrib-pi30 installed from its packed tarball.
 */
const assert = require('node:assert/strict');
const h = require('../../scripts/lib/stack');
const { launchBrowser, openPage, screenshot, startDemo, closeAll } = require('./support');

/**
 * Type into the palette filter until the editor keeps it: an editor still settling after its
 * first load may clear the filter (seen on a loaded machine).
 */
async function filterPalette(page, text) {
    const search = page.locator('#red-ui-palette-search input');
    let kept = 0;
    await h.waitFor(
        async () => {
            if ((await search.inputValue()) === text) return ++kept >= 2;
            kept = 0;
            await search.fill('');
            await search.pressSequentially(text);
            return false;
        },
        { what: `"${text}" kept in the palette filter`, intervalMs: 500 },
    );
}

/** Drag a palette node onto the canvas at (x, y) relative to the workspace's top-left corner. */
async function dropFromPalette(page, type, x, y) {
    await filterPalette(page, type);
    const item = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
    // the filter applies after a short delay and the palette animates: wait until the item
    // sits still in view
    const palette = await page.locator('#red-ui-palette').boundingBox();
    let last = null;
    const from = await h.waitFor(
        async () => {
            const box = await item.boundingBox();
            const still = box && last && box.x === last.x && box.y === last.y;
            last = box;
            return still && box.y > palette.y && box.y + box.height < palette.y + palette.height
                ? box
                : null;
        },
        { what: `${type} in the filtered palette`, intervalMs: 300 },
    );
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(chart.x + x / 2, chart.y + y / 2, { steps: 8 });
    await page.mouse.move(chart.x + x, chart.y + y, { steps: 8 });
    await page.mouse.up();
}

/** Ids of the nodes of one type on the active flow (the editor's own model). */
function nodesOnActiveFlow(page, type) {
    return page.evaluate((t) => {
        const out = [];
        RED.nodes.eachNode((n) => {
            if (n.type === t && n.z === RED.workspaces.active()) out.push(n.id);
        });
        return out;
    }, type);
}

describe('editor in headless Chromium: palette, edit dialog, deploy, debug sidebar', function () {
    this.timeout(10 * 60e3);
    let demo;
    let browser;
    let page;

    before(async function () {
        demo = await startDemo({ name: 'editor-demo', viaMake: false }).then((d) => d.ready);
        browser = await launchBrowser();
        page = await openPage(browser, demo.editor);
        await page
            .locator('.red-ui-palette-node[data-palette-type="pi30-query"]')
            .waitFor({ state: 'attached' });
    });

    afterEach(async function () {
        if (this.currentTest.state === 'failed' && page)
            await screenshot(
                page,
                `failed-editor-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`,
            );
    });

    after(() => closeAll({ browser, demo }));

    it('shows the PI30 nodes in their own palette category', async function () {
        const category = page.locator('#red-ui-palette-container-PI30');
        const types = await category
            .locator('.red-ui-palette-node')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-palette-type')));
        assert.deepEqual(types.sort(), [
            'pi30-ha-mqtt',
            'pi30-health',
            'pi30-query',
            'pi30-set',
            'pi30-tempo',
        ]);
        const labels = await category.locator('.red-ui-palette-label').allInnerTexts();
        assert.ok(labels.map((l) => l.trim()).includes('query'), `labels: ${labels}`);
        await filterPalette(page, 'pi30');
        await page
            .locator('.red-ui-palette-node[data-palette-type="inject"]')
            .waitFor({ state: 'hidden' });
        await screenshot(page, 'editor-palette');
    });

    it("the Tempo planner's defaults in the editor are the planner's own, greyed when blank", async function () {
        // what the editor registered from the served pi30-tempo/defaults.js
        const registered = await page.evaluate(() => {
            const defaults = RED.nodes.getType('pi30-tempo').defaults;
            return Object.fromEntries(Object.entries(defaults).map(([k, d]) => [k, d.value]));
        });
        const { editorDefaults } = require('../../node-red-contrib-pi30/nodes/pi30-tempo.js');
        const { fields, placeholders } = editorDefaults();
        assert.deepEqual(registered, {
            name: '',
            inverter: '',
            ...Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.value])),
        });
        // the dialog of a tempo node shows the planner's values greyed (the demo's Tempo panel)
        await page.evaluate(() => RED.editor.edit(RED.nodes.node('pi30-tempo-planner')));
        const stale = page.locator('#node-input-staleColour');
        await stale.waitFor({ state: 'visible' });
        assert.equal(await stale.getAttribute('placeholder'), String(placeholders.staleColour));
        assert.equal(
            await page.locator('#node-input-loadProfile').getAttribute('placeholder'),
            placeholders.loadProfile,
        );
        await page.locator('#node-dialog-cancel').click();
        await stale.waitFor({ state: 'detached' });
    });

    it("drops a pi30-query on a new flow; its dialog lists the live worker's catalogue", async function () {
        await page.locator('.red-ui-tabs-add a:has(i.fa-plus)').click();
        await h.waitFor(
            async () => (await page.evaluate(() => RED.workspaces.active())) !== 'pi30-demo-tab',
            { what: 'a new flow tab' },
        );
        await dropFromPalette(page, 'pi30-query', 250, 150);
        const dropped = await h.waitFor(
            async () => (await nodesOnActiveFlow(page, 'pi30-query'))[0],
            { what: 'the dropped node' },
        );

        await page.locator(`[id="${dropped}"] .red-ui-flow-node`).dblclick();
        const select = page.locator('#pi30-query-command');
        await select.waitFor({ state: 'visible' });
        const inverter = page.locator('#node-input-inverter');
        const choices = await inverter
            .locator('option')
            .evaluateAll((els) => els.map((o) => [o.value, o.textContent]));
        assert.ok(
            choices.some(
                ([value, label]) => value === 'pi30-demo-inverter' && label === 'demo inverter',
            ),
            `inverters: ${choices}`,
        );
        if ((await inverter.inputValue()) !== 'pi30-demo-inverter')
            await inverter.selectOption('pi30-demo-inverter');
        await h.waitFor(async () => (await select.locator('option').count()) > 10, {
            what: 'the command list',
        });
        // the dialog may open while the worker still identifies the unit: it shows the snapshot
        // (or the worker's stand-in) first, then the identified unit's own list
        await h.waitFor(
            async () =>
                /catalogue from the worker \(PI30MAX\)/.test(
                    await page.locator('#pi30-query-source').innerText(),
                ),
            {
                what: 'the live catalogue of the identified unit',
                timeoutMs: 60000,
            },
        );

        const listed = await select
            .locator('option')
            .evaluateAll((els) => els.map((o) => o.value).filter(Boolean));
        const catalogue = await h.zmqCall(demo.workerBind, { op: 'catalogue' });
        const queries = catalogue.catalogue.commands
            .filter((c) => c.kind === 'query')
            .map((c) => c.name);
        assert.deepEqual(listed, queries, "the dropdown lists exactly the worker's queries");
        assert.match(
            await page.locator('#pi30-query-source').innerText(),
            /catalogue from the worker \(PI30MAX\)/,
        );

        await select.selectOption('QPIGS2');
        await h.waitFor(
            async () =>
                /pv2_charging_power/.test(await page.locator('#pi30-query-fields').innerText()),
            { what: 'the field list' },
        );
        await select.selectOption('QPIGS');
        await h.waitFor(
            async () =>
                /battery_voltage \(V, voltage, measurement\)/.test(
                    await page.locator('#pi30-query-fields').innerText(),
                ),
            { what: 'QPIGS fields' },
        );
        await page.locator('#node-input-interval').fill('2');
        await page.locator('#node-input-name').fill('browser QPIGS');
        await screenshot(page, 'editor-query-dialog');
        await page.locator('#node-dialog-ok').click();
        await page.locator('#pi30-query-command').waitFor({ state: 'detached' });

        const node = await page.evaluate((id) => {
            const n = RED.nodes.node(id);
            return { command: n.command, interval: n.interval, inverter: n.inverter, name: n.name };
        }, dropped);
        assert.deepEqual(node, {
            command: 'QPIGS',
            interval: '2',
            inverter: 'pi30-demo-inverter',
            name: 'browser QPIGS',
        });
    });

    it('wires a debug node, deploys, and the debug sidebar shows the decoded reading', async function () {
        const [query] = await nodesOnActiveFlow(page, 'pi30-query');
        await dropFromPalette(page, 'debug', 550, 150);
        const debug = await h.waitFor(async () => (await nodesOnActiveFlow(page, 'debug'))[0], {
            what: 'the debug node',
        });
        // wire: drag from the query's output port to the debug node's input port
        const out = await page.locator(`[id="${query}"] .red-ui-flow-port-output`).boundingBox();
        const into = await page.locator(`[id="${debug}"] .red-ui-flow-port-input`).boundingBox();
        await page.mouse.move(out.x + out.width / 2, out.y + out.height / 2);
        await page.mouse.down();
        await page.mouse.move(into.x + into.width / 2, into.y + into.height / 2, { steps: 10 });
        await page.mouse.up();
        const wired = await page.evaluate(
            ([q, d]) =>
                RED.nodes.filterLinks({ source: RED.nodes.node(q) }).some((l) => l.target.id === d),
            [query, debug],
        );
        assert.ok(wired, 'query -> debug wire');

        await page.locator('#red-ui-header-button-deploy').click();
        await h.waitFor(() => page.evaluate(() => !RED.nodes.dirty()), {
            what: 'the deploy to finish',
        });
        const deployed = await h.getJson(`http://127.0.0.1:${demo.uiPort}/flows`);
        assert.ok(
            deployed.some((n) => n.id === query && n.command === 'QPIGS'),
            'the node is in the deployed flows',
        );

        await page.locator('#red-ui-tab-debug-link-button').click();
        const message = page
            .locator('.red-ui-debug-msg')
            .filter({ hasText: 'QPIGS : msg.payload : Object' })
            .first();
        await message.waitFor({ state: 'visible', timeout: 30000 });
        // the preview shows the first keys; expanding the object shows every decoded field
        await message.locator('.red-ui-debug-msg-object-handle').first().click();
        await h.waitFor(async () => /battery_voltage/.test(await message.innerText()), {
            what: 'the expanded payload',
        });
        const text = await message.innerText();
        const voltage = Number((/battery_voltage:\s*([\d.]+)/.exec(text) || [])[1]);
        assert.ok(
            voltage > 40 && voltage < 62,
            `a decoded battery voltage in the sidebar: ${voltage} (${text.slice(0, 300)})`,
        );
        assert.match(text, /battery_capacity:\s*\d+/);
        // the node's status says what it last read
        const status = await page
            .locator(`[id="${query}"] .red-ui-flow-node-status-label`)
            .textContent();
        assert.match(status, /^QPIGS · \d\d:\d\d:\d\d$/);
        await screenshot(page, 'editor-debug-sidebar');
        assert.deepEqual(page.pageErrors, [], 'no uncaught exception in the editor');
    });

    it("the inverter's Check connection shows the device profile the worker chose and why", async function () {
        await page.evaluate(() => RED.editor.editConfig('', 'pi30-inverter', 'pi30-demo-inverter'));
        const check = page.locator('#pi30-inverter-check');
        await check.waitFor({ state: 'visible' });
        await check.click();
        const state = page.locator('#pi30-inverter-state');
        // the demo worker runs --protocol PI30MAX on the MAX-8000 simulator: profile max
        await h.waitFor(async () => /profile max \(PI30MAX\)/.test(await state.innerText()), {
            what: 'the profile in the check result',
        });
        assert.match(await state.innerText(), /MAX-8000/);
        await screenshot(page, 'editor-check-connection-profile');
        await page.locator('#node-config-dialog-cancel').click();
        assert.deepEqual(page.pageErrors, [], 'no uncaught exception in the editor');
    });
});
