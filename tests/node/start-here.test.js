'use strict';
/* The "Start here" example needs nothing but this package: only Node-RED core nodes and pi30
 * nodes, and it works against a real worker (status read, a setting changed by its label,
 * the link reported). Each Home Assistant example names the companion package to install
 * first, since importing an unknown node type stops every flow. */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { helper, allNodes, collector, PKG } = require('./support/red');
const { WorkerProcess, simUrl, waitFor } = require('./support/worker');

const EXAMPLES = path.join(PKG, 'examples');
const CORE_TYPES = new Set(['tab', 'inject', 'debug', 'catch', 'comment', 'change', 'switch', 'function']);
const readExample = (file) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));

describe('examples: Start here, and the companion named first in the Home Assistant ones', function () {
    this.timeout(30000);
    let worker;

    before(async () => {
        worker = await new WorkerProcess({ port: simUrl('pi30'), protocol: 'PI30' }).start();
        await helper.startServer();
    });
    after(async () => {
        await helper.stopServer();
        if (worker) await worker.stop();
    });
    afterEach(() => helper.unload());

    it('Start here uses only core nodes and pi30 nodes, and reads, sets by label and reports the link', async () => {
        const flow = readExample('Start here.json');
        const foreign = flow.filter((n) => !CORE_TYPES.has(n.type) && !n.type.startsWith('pi30-')).map((n) => n.type);
        assert.deepEqual(foreign, []);
        for (const n of flow) if (n.type === 'pi30-inverter') n.endpoint = worker.endpoint;
        await helper.load(allNodes, flow);
        const byName = (name) => flow.find((n) => n.name === name);
        const status = collector(helper.getNode(byName('status').id));
        const confirmed = collector(helper.getNode(byName('what the inverter confirmed').id));
        const link = collector(helper.getNode(byName('link OK').id));

        helper.getNode(byName('every 10 s').id).receive({});
        assert.equal(typeof (await status.until(1))[0].payload.battery_voltage, 'number');

        helper.getNode(byName('Solar first').id).receive({ payload: 'Solar first' });
        const set = (await confirmed.until(1))[0].payload;
        assert.equal(set.ok, true);
        assert.equal(set.command, 'POP');
        assert.equal((await worker.request({ op: 'query', command: 'QPIRI' })).data.output_source_priority, 'Solar first');

        helper.getNode(flow.find((n) => n.type === 'pi30-health').id).receive({});
        await waitFor(() => link.received.some((m) => m.payload === true), { what: 'link OK' });
        await worker.request({ op: 'set', command: 'POP', value: 'SBU first' });
    });

    for (const file of fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'))) {
        const flow = readExample(file);
        if (!flow.some((n) => /^(ha-|server|api-)/.test(n.type))) continue;
        it(`${file.replace(/\.json$/, '')}: a comment names the companion package to install first`, () => {
            const comments = flow.filter((n) => n.type === 'comment').map((n) => `${n.name}\n${n.info}`);
            assert.ok(comments.some((c) => /Install node-red-contrib-home-assistant-websocket first/.test(c)), comments.join('\n---\n'));
        });
    }
});
