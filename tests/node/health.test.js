'use strict';
/* pi30-health and the "port unavailable" link state, with the simulator's cable pulled. */

const assert = require('node:assert/strict');
const { helper, load, inverterConfig, collector, withWorker } = require('./support/red');
const { simUrl, simCall, waitFor } = require('../../scripts/lib/stack');

describe('pi30-health and the port state', function () {
    this.timeout(30000);
    const worker = withWorker({ port: simUrl('pi30'), protocol: 'PI30', control: true });
    afterEach(async () => {
        await simCall(worker.control, { op: 'plug' });
        await waitFor(
            async () => (await worker.request({ op: 'health' })).port.state === 'connected',
            {
                what: 'port back',
            },
        );
    });

    const inv = () => inverterConfig(worker.endpoint, { protocol: 'PI30' });
    const healthNode = (extra) => ({
        id: 'h',
        type: 'pi30-health',
        inverter: 'inv',
        output: 'link',
        interval: 0,
        wires: [['out']],
        ...extra,
    });

    it('link mode: payload true with the health report while all is well', async () => {
        await load([inv(), healthNode(), { id: 'out', type: 'helper', wires: [] }]);
        const out = collector(helper.getNode('out'));
        helper.getNode('h').receive({ keep: 1 });
        const msg = await out.next();
        assert.equal(msg.payload, true);
        assert.equal(msg.topic, 'link');
        assert.equal(msg.keep, 1);
        assert.equal(msg.health.port.state, 'connected');
    });

    it("object mode: payload = the worker's health report", async () => {
        await load([
            inv(),
            healthNode({ output: 'object' }),
            { id: 'out', type: 'helper', wires: [] },
        ]);
        const out = collector(helper.getNode('out'));
        helper.getNode('h').receive({});
        const msg = await out.next();
        assert.equal(msg.topic, 'health');
        assert.equal(msg.payload.port.state, 'connected');
        assert.equal(msg.payload.protocol, 'PI30');
        assert.equal(typeof msg.payload.counters.transactions, 'number');
        assert.equal(typeof msg.payload.device, 'object');
        assert.equal(msg.payload.v, undefined);
    });

    it('inverter port pulled: nodes show "port unavailable", health says false, then all recover', async () => {
        await load([
            inv(),
            healthNode({ interval: 0.25 }),
            { id: 'out', type: 'helper', wires: [] },
            {
                id: 'q',
                type: 'pi30-query',
                inverter: 'inv',
                command: 'QMOD',
                interval: 0.2,
                output: 'object',
                maxAge: 0,
                wires: [['qout']],
            },
            { id: 'qout', type: 'helper', wires: [] },
            { id: 'c', type: 'catch', scope: ['q'], uncaught: false, wires: [['err']] },
            { id: 'err', type: 'helper', wires: [] },
            { id: 'st', type: 'status', scope: ['q'], wires: [['status']] },
            { id: 'status', type: 'helper', wires: [] },
        ]);
        const out = collector(helper.getNode('out'));
        const qout = collector(helper.getNode('qout'));
        const err = collector(helper.getNode('err'));
        const status = collector(helper.getNode('status'));
        await qout.next();
        await waitFor(() => out.received.some((m) => m.payload === true), { what: 'link true' });

        await simCall(worker.control, { op: 'unplug', seconds: 600 });
        const down = await waitFor(() => out.received.find((m) => m.payload === false), {
            what: 'link false',
        });
        assert.equal(down.reason, 'PORT_UNAVAILABLE');
        await waitFor(() => status.received.some((s) => /port-unavailable/.test(s.status.text)), {
            what: 'query node status "port unavailable"',
        });
        const [firstError] = await err.until(1);
        assert.ok(
            ['PORT_UNAVAILABLE', 'TIMEOUT'].includes(firstError.error.code),
            firstError.error.code,
        );
        const readingsWhileDown = qout.received.length;

        // several more polls fail while down; a Catch node hears about each kind once
        const pollsBefore = helper.getNode('q').polls.sent;
        await waitFor(() => helper.getNode('q').polls.sent >= pollsBefore + 4, {
            what: 'more polls',
        });
        const codes = new Set(err.received.map((m) => m.error.code));
        assert.equal(err.received.length, codes.size, 'one report per kind of failure');
        assert.ok(
            qout.received.length <= readingsWhileDown + 1,
            'no readings while the port is down',
        );

        await simCall(worker.control, { op: 'plug' });
        await qout.until(qout.received.length + 2, 15000);
        const up = await waitFor(
            () => out.received.slice(out.received.indexOf(down)).find((m) => m.payload === true),
            {
                timeoutMs: 15000,
                what: 'link true again',
            },
        );
        assert.equal(up.health.port.state, 'connected');
        await waitFor(() => status.received.at(-1).status.fill === 'green', {
            what: 'green status again',
        });
    });
});
