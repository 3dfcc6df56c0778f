'use strict';
/* pi30-query against a real pi30-worker on the simulator (pacing off). */

const assert = require('node:assert/strict');
const { helper, load, inverterConfig, collector, withWorker } = require('./support/red');
const { WorkerProcess, simUrl, waitFor, sleep } = require('../../scripts/lib/stack');
const { CatalogueIndex } = require('../../node-red-contrib-pi30/lib/catalogue');

describe('pi30-query', function () {
    this.timeout(20000);
    const worker = withWorker({ port: simUrl('pi30'), protocol: 'PI30' });
    let catalogue;

    before(async () => {
        const reply = await worker.request({ op: 'catalogue' });
        catalogue = new CatalogueIndex(reply.catalogue, 'worker');
    });

    const inv = () => inverterConfig(worker.endpoint, { protocol: 'PI30' });
    const queryNode = (extra) => ({
        id: 'q',
        type: 'pi30-query',
        inverter: 'inv',
        command: 'QPIGS',
        interval: 0,
        output: 'object',
        maxAge: 0,
        wires: [['out']],
        ...extra,
    });
    const catchAll = [
        { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper', wires: [] },
    ];

    it('object mode: payload = flat data, topic = command, units, input properties kept', async () => {
        await load([inv(), queryNode(), { id: 'out', type: 'helper', wires: [] }]);
        const out = collector(helper.getNode('out'));
        helper.getNode('q').receive({ payload: 'tick', keep: { me: 1 } });
        const msg = await out.next();
        assert.equal(msg.topic, 'QPIGS');
        assert.deepEqual(msg.keep, { me: 1 });
        assert.equal(typeof msg.payload.battery_voltage, 'number');
        assert.equal(typeof msg.payload.is_load_on, 'boolean');
        assert.equal(msg.units.battery_voltage, 'V');
        assert.equal(msg.pi30.cached, false);
        // the same keys as the worker gives to any client
        const direct = await worker.request({ op: 'query', command: 'QPIGS' });
        assert.deepEqual(Object.keys(msg.payload).sort(), Object.keys(direct.data).sort());
        assert.deepEqual(msg.units, direct.units);
    });

    it('split mode: one message per field with unit and Home Assistant metadata', async () => {
        await load([
            inv(),
            queryNode({ output: 'split' }),
            { id: 'out', type: 'helper', wires: [] },
        ]);
        const out = collector(helper.getNode('out'));
        helper.getNode('q').receive({ payload: 'tick', keep: 'yes' });
        const direct = await worker.request({ op: 'query', command: 'QPIGS' });
        const count = Object.keys(direct.data).length;
        const msgs = await out.until(count);
        await sleep(100);
        assert.equal(out.received.length, count, 'exactly one message per field');
        const byTopic = Object.fromEntries(msgs.map((m) => [m.topic, m]));
        assert.deepEqual(Object.keys(byTopic).sort(), Object.keys(direct.data).sort());
        const meta = catalogue.command('QPIGS').keys;
        const bv = byTopic.battery_voltage;
        assert.equal(typeof bv.payload, 'number');
        assert.equal(bv.unit, 'V');
        assert.equal(bv.device_class, meta.battery_voltage.device_class);
        assert.equal(bv.device_class, 'voltage');
        assert.equal(bv.state_class, 'measurement');
        assert.equal(bv.label, meta.battery_voltage.label);
        assert.equal(bv.command, 'QPIGS');
        assert.equal(bv.keep, 'yes');
        const load_ = byTopic.is_load_on;
        assert.equal(typeof load_.payload, 'boolean');
        assert.equal(load_.unit, undefined);
        for (const m of msgs) assert.equal(m.keep, 'yes');
    });

    it('split mode: enumerations carry their options', async () => {
        await load([
            inv(),
            queryNode({ command: 'QMOD', output: 'split' }),
            { id: 'out', type: 'helper', wires: [] },
        ]);
        const out = collector(helper.getNode('out'));
        helper.getNode('q').receive({});
        const msg = await out.next();
        assert.equal(msg.topic, 'device_mode');
        assert.equal(msg.device_class, 'enum');
        assert.ok(
            Array.isArray(msg.options) && msg.options.includes(msg.payload),
            `${msg.payload} in options`,
        );
    });

    it('polls every interval without input', async () => {
        // 1 s: the reading made at deploy (first connection, the unit's catalogue) must be over
        // before the next tick even on a loaded machine, or that tick is rightly skipped
        await load([
            inv(),
            queryNode({ command: 'QMOD', interval: 1 }),
            { id: 'out', type: 'helper', wires: [] },
        ]);
        const out = collector(helper.getNode('out'));
        const started = Date.now();
        const msgs = await out.until(4, 12000);
        const elapsed = Date.now() - started;
        // one at start, then on whole seconds on the clock: the last two are 1 s apart
        assert.ok(elapsed >= 2000, `4 polls (one at start, then every second) took ${elapsed} ms`);
        for (const m of msgs) assert.equal(m.topic, 'QMOD');
        // the first whole second may come while the deploy-time reading still runs (a deploy
        // just before it, a loaded machine): that one tick is skipped, never more
        assert.ok(helper.getNode('q').polls.skipped <= 1, `${helper.getNode('q').polls.skipped}`);
    });

    it('skips a poll while the previous one still runs (never stacks)', async () => {
        // a slow inverter: every answer takes 300 ms; polls are due every 50 ms
        const slow = await new WorkerProcess({
            port: simUrl('pi30', 'latency_ms=300'),
            protocol: 'PI30',
        }).start();
        try {
            const before = (await slow.request({ op: 'health' })).counters;
            await load([
                inverterConfig(slow.endpoint, { protocol: 'PI30' }),
                queryNode({ command: 'QMOD', interval: 0.05 }),
                { id: 'out', type: 'helper', wires: [] },
            ]);
            const out = collector(helper.getNode('out'));
            await out.until(3, 5000);
            const q = helper.getNode('q');
            await waitFor(() => out.received.length === q.polls.sent, {
                what: 'the running poll to finish',
            });
            await helper.unload(); // stop polling
            const after = (await slow.request({ op: 'health' })).counters;
            assert.ok(
                q.polls.skipped > q.polls.sent,
                `skipped ${q.polls.skipped}, sent ${q.polls.sent}`,
            );
            // stacked polls would have queued identical QMODs behind the running one (coalesced)
            assert.equal(after.coalesced - before.coalesced, 0, 'no poll waited behind another');
            // besides the polls the config node asked for health and the catalogue on connect
            assert.ok(
                after.requests - before.requests - 1 <= q.polls.sent + 2,
                'no extra requests',
            );
        } finally {
            await slow.stop();
        }
    });

    it('takes the command from msg.command, else msg.topic, when the node has none', async () => {
        await load([inv(), queryNode({ command: '' }), { id: 'out', type: 'helper', wires: [] }]);
        const out = collector(helper.getNode('out'));
        const q = helper.getNode('q');
        q.receive({ command: 'QMOD', topic: 'QPIRI' });
        let msg = await out.next();
        assert.equal(msg.topic, 'QMOD');
        assert.ok('device_mode' in msg.payload);
        q.receive({ topic: 'qpiri' });
        msg = await out.next();
        assert.equal(msg.topic, 'QPIRI');
        assert.ok('output_source_priority' in msg.payload);
        q.receive({ command: 'QPGS0' });
        msg = await out.next();
        assert.equal(msg.topic, 'QPGS0');
        assert.ok('serial_number' in msg.payload);
    });

    it('maxAge lets the worker answer from its cache', async () => {
        await load([
            inv(),
            queryNode({ command: 'QPIRI', maxAge: 60000 }),
            { id: 'out', type: 'helper', wires: [] },
        ]);
        const out = collector(helper.getNode('out'));
        const q = helper.getNode('q');
        q.receive({});
        await out.next();
        q.receive({});
        const second = await out.next();
        assert.equal(second.pi30.cached, true);
    });

    it('an unknown command goes to a Catch node with its code, and no reading is sent', async () => {
        await load([
            inv(),
            queryNode({ command: '' }),
            { id: 'out', type: 'helper', wires: [] },
            ...catchAll,
            { id: 'st', type: 'status', scope: ['q'], wires: [['status']] },
            { id: 'status', type: 'helper', wires: [] },
        ]);
        const out = collector(helper.getNode('out'));
        const err = collector(helper.getNode('err'));
        const status = collector(helper.getNode('status'));
        helper.getNode('q').receive({ command: 'QNOPE', keep: 7 });
        const caught = await err.next();
        assert.equal(caught.error.code, 'UNKNOWN_COMMAND');
        assert.match(caught.error.message, /^UNKNOWN_COMMAND: /);
        assert.equal(caught.error.source.id, 'q');
        assert.equal(caught.keep, 7);
        await waitFor(
            () =>
                status.received.some(
                    (s) => s.status.fill === 'red' && /UNKNOWN_COMMAND/.test(s.status.text),
                ),
            {
                what: 'red status with the code',
            },
        );
        helper.getNode('q').receive({});
        const noCommand = await err.next();
        assert.equal(noCommand.error.code, 'INVALID_REQUEST');
        assert.equal(out.received.length, 0);
    });

    it('shows the link state on its status when connected', async () => {
        await load([
            inv(),
            queryNode(),
            { id: 'out', type: 'helper', wires: [] },
            { id: 'st', type: 'status', scope: ['q'], wires: [['status']] },
            { id: 'status', type: 'helper', wires: [] },
        ]);
        const status = collector(helper.getNode('status'));
        const s = await waitFor(() => status.received.find((m) => m.status.fill === 'green'), {
            what: 'green status',
        });
        assert.match(s.status.text, /status\.connected$/);
    });

    it('a node without an inverter fails every message with NO_INVERTER', async () => {
        await load([
            queryNode({ inverter: '' }),
            { id: 'out', type: 'helper', wires: [] },
            ...catchAll,
        ]);
        const err = collector(helper.getNode('err'));
        helper.getNode('q').receive({});
        const caught = await err.next();
        assert.equal(caught.error.code, 'NO_INVERTER');
    });
});
