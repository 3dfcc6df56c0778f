'use strict';
/* NO_REPLY vs TIMEOUT as a Catch node sees them: a worker that says nothing (here: stopped with
 * SIGSTOP, its connection still open) is NO_REPLY - a setter may or may not have been written;
 * a silent inverter is the worker's own TIMEOUT. */

const assert = require('node:assert/strict');
const { helper, load, inverterConfig, collector, withWorker } = require('./support/red');
const { simUrl, simCall } = require('../../scripts/lib/stack');

describe('no reply from the worker vs a silent inverter', function () {
    this.timeout(40000);
    const worker = withWorker({ port: simUrl('pi30'), protocol: 'PI30', control: true });
    afterEach(() => simCall(worker.control, { op: 'set_faults', clear: true }));

    // the request timeout (1 s) is far shorter than the heartbeats' 15 s, so the connection
    // still looks alive when the request gives up: only the reply is missing
    const flowWith = (node) => [
        inverterConfig(worker.endpoint, { protocol: 'PI30', timeout: 1000 }),
        { wires: [['out']], inverter: 'inv', ...node },
        { id: 'out', type: 'helper', wires: [] },
        { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper', wires: [] },
    ];
    const query = { id: 'n', type: 'pi30-query', command: 'QMOD', interval: 0, maxAge: 0 };
    const set = {
        id: 'n',
        type: 'pi30-set',
        command: 'POP',
        value: '',
        onlyIfChanged: false,
        verify: true,
    };

    async function caughtWhileStopped(node, payload) {
        await load(flowWith(node));
        const out = collector(helper.getNode('out'));
        const err = collector(helper.getNode('err'));
        helper.getNode('n').receive({ payload });
        await out.next(); // connected and answering
        process.kill(worker.pid, 'SIGSTOP');
        try {
            helper.getNode('n').receive({ payload, keep: 'me' });
            const [caught] = await err.until(1, 20000);
            return caught;
        } finally {
            process.kill(worker.pid, 'SIGCONT');
        }
    }

    it('a query to a stopped worker is NO_REPLY', async () => {
        const caught = await caughtWhileStopped(query);
        assert.equal(caught.error.code, 'NO_REPLY');
        assert.match(caught.error.message, /^NO_REPLY: no reply from the worker/);
        assert.equal(caught.keep, 'me');
    });

    it('a setter sent to a stopped worker is NO_REPLY (maybe written), not TIMEOUT', async () => {
        const caught = await caughtWhileStopped(set, 'SBU first');
        assert.equal(caught.error.code, 'NO_REPLY');
    });

    it('a silent inverter is still the worker own TIMEOUT', async () => {
        await load(flowWith(query));
        const out = collector(helper.getNode('out'));
        const err = collector(helper.getNode('err'));
        helper.getNode('n').receive({});
        await out.next();
        await simCall(worker.control, { op: 'set_faults', faults: { no_answer: 'always' } });
        helper.getNode('n').receive({});
        const [caught] = await err.until(1, 10000);
        assert.equal(caught.error.code, 'TIMEOUT');
        assert.equal(out.received.length, 1, 'no reading from a silent inverter');
    });
});
