'use strict';
/* The worker dies and comes back; flows are redeployed many times: nodes say what happens,
 * recover by themselves, and leave no sockets behind. */

const assert = require('node:assert/strict');
const { helper, load, flow, inverterConfig, collector, withWorker } = require('./support/red');
const {
    WorkerProcess,
    simUrl,
    waitFor,
    sleep,
    openFds,
    tcpConnectionsTo,
    childPids,
} = require('../../scripts/lib/stack');
const { WorkerClient } = require('../../node-red-contrib-pi30/lib/client');

/** Log entries (Node-RED log spy) of a level whose text matches. */
function logged(levelName, pattern) {
    const spy = helper.log();
    return spy.args
        .map((a) => a[0])
        .filter((e) => e && e.level === spy[levelName] && pattern.test(String(e.msg)));
}

describe('worker outages and redeploys', function () {
    this.timeout(60000);
    const worker = withWorker({ port: simUrl('pi30'), protocol: 'PI30' });

    it('worker killed: nodes report it once, then recover by themselves when it is back', async () => {
        await load([
            inverterConfig(worker.endpoint, { protocol: 'PI30', timeout: 1000 }),
            {
                id: 'q',
                type: 'pi30-query',
                inverter: 'inv',
                command: 'QMOD',
                interval: 0.1,
                output: 'object',
                maxAge: 0,
                wires: [['out']],
            },
            { id: 'out', type: 'helper', wires: [] },
            {
                id: 'h',
                type: 'pi30-health',
                inverter: 'inv',
                output: 'link',
                interval: 0,
                wires: [['link']],
            },
            { id: 'link', type: 'helper', wires: [] },
            { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
            { id: 'err', type: 'helper', wires: [] },
            { id: 'st', type: 'status', scope: ['q'], wires: [['status']] },
            { id: 'status', type: 'helper', wires: [] },
        ]);
        const out = collector(helper.getNode('out'));
        const link = collector(helper.getNode('link'));
        const err = collector(helper.getNode('err'));
        const status = collector(helper.getNode('status'));
        await out.until(2);

        await worker.kill();
        const down = await waitFor(() => link.received.find((m) => m.payload === false), {
            what: 'link false',
        });
        assert.equal(down.reason, 'WORKER_UNREACHABLE');
        await waitFor(
            () =>
                status.received.some(
                    (s) => /status\.unreachable$/.test(s.status.text) && s.status.fill === 'red',
                ),
            {
                what: 'status "worker unreachable"',
            },
        );
        const [first] = await err.until(1);
        assert.equal(first.error.code, 'WORKER_UNREACHABLE');
        // ten more polls fail while the worker is away: no more Catch messages, one log line
        const sent = helper.getNode('q').polls.sent;
        await waitFor(() => helper.getNode('q').polls.sent >= sent + 10, { what: '10 more polls' });
        assert.equal(err.received.length, 1, 'one report for the whole outage');
        assert.equal(
            logged('WARN', /pi30-inverter\.log\.unreachable/).length,
            1,
            'one warning in the log',
        );
        const readings = out.received.length;

        await worker.start(); // same endpoint
        await out.until(readings + 3, 15000);
        await waitFor(() => link.received.at(-1).payload === true, { what: 'link true again' });
        await waitFor(() => status.received.at(-1).status.fill === 'green', {
            what: 'green status again',
        });
        assert.equal(
            logged('INFO', /pi30-query\.log\.recovered/).length,
            1,
            'recovery logged once',
        );
        assert.equal(err.received.length, 1);
    });

    it('a request in flight when the worker dies fails at once, not after its timeout', async () => {
        const slow = await new WorkerProcess({
            port: simUrl('pi30', 'latency_ms=2000'),
            protocol: 'PI30',
        }).start();
        try {
            await load([
                inverterConfig(slow.endpoint, { protocol: 'PI30', timeout: 10000 }),
                {
                    id: 'q',
                    type: 'pi30-query',
                    inverter: 'inv',
                    command: 'QPIRI',
                    interval: 0,
                    output: 'object',
                    maxAge: 0,
                    wires: [[]],
                },
                { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
                { id: 'err', type: 'helper', wires: [] },
            ]);
            const err = collector(helper.getNode('err'));
            await waitFor(() => helper.getNode('inv').link().state === 'connected', {
                what: 'connected',
            });
            helper.getNode('q').receive({});
            await sleep(300);
            const killedAt = Date.now();
            await slow.kill();
            const [caught] = await err.until(1, 5000);
            assert.equal(caught.error.code, 'WORKER_UNREACHABLE');
            assert.ok(Date.now() - killedAt < 2000, 'failed within 2 s of the crash');
        } finally {
            await slow.stop();
        }
    });

    it('a worker that goes silent without closing its socket is noticed by heartbeats', async () => {
        // as a frozen process or a dead network path would: the TCP connection stays open
        const frozen = await new WorkerProcess({ port: simUrl('pi30'), protocol: 'PI30' }).start();
        const client = new WorkerClient({
            endpoint: frozen.endpoint,
            heartbeatInterval: 500,
            heartbeatTimeout: 1500,
        });
        try {
            client.start();
            await client.request('health');
            process.kill(frozen.pid, 'SIGSTOP');
            const pending = client.request('query', { command: 'QMOD' }, { timeout: 30000 });
            const t0 = Date.now();
            await assert.rejects(pending, (err) => err.code === 'WORKER_UNREACHABLE');
            assert.ok(
                Date.now() - t0 < 5000,
                `noticed after ${Date.now() - t0} ms, long before the 30 s timeout`,
            );
            assert.equal(client.state, 'unreachable');
            process.kill(frozen.pid, 'SIGCONT');
            await waitFor(() => client.state === 'connected', { what: 'reconnected' });
            assert.equal((await client.request('query', { command: 'QMOD' })).command, 'QMOD');
        } finally {
            await client.close();
            process.kill(frozen.pid, 'SIGCONT');
            await frozen.stop();
        }
    });

    it('an unreachable endpoint: WORKER_UNREACHABLE quickly, status says so', async () => {
        await load([
            inverterConfig('tcp://127.0.0.1:1', { protocol: 'PI30' }),
            {
                id: 'q',
                type: 'pi30-query',
                inverter: 'inv',
                command: 'QMOD',
                interval: 0,
                output: 'object',
                maxAge: 0,
                wires: [[]],
            },
            { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
            { id: 'err', type: 'helper', wires: [] },
            { id: 'st', type: 'status', scope: ['q'], wires: [['status']] },
            { id: 'status', type: 'helper', wires: [] },
        ]);
        const err = collector(helper.getNode('err'));
        const status = collector(helper.getNode('status'));
        const t0 = Date.now();
        helper.getNode('q').receive({});
        const [caught] = await err.until(1, 6000);
        assert.equal(caught.error.code, 'WORKER_UNREACHABLE');
        assert.ok(Date.now() - t0 < 6000, 'within the connect grace (3 s) plus margin');
        await waitFor(
            () => status.received.some((s) => /status\.unreachable$/.test(s.status.text)),
            { what: 'status' },
        );
        // the next one fails at once: no waiting while the link is known to be down
        const t1 = Date.now();
        helper.getNode('q').receive({});
        await err.until(2, 2000);
        assert.ok(Date.now() - t1 < 500, `${Date.now() - t1} ms`);
    });

    it('20 redeploys leave no sockets, connections or child processes behind', async () => {
        const nodes = (n) => [
            inverterConfig(worker.endpoint, { protocol: 'PI30', name: `round ${n}` }),
            {
                id: 'q',
                type: 'pi30-query',
                inverter: 'inv',
                command: 'QMOD',
                interval: 0.05,
                output: 'split',
                maxAge: 0,
                wires: [['out']],
            },
            {
                id: 'h',
                type: 'pi30-health',
                inverter: 'inv',
                output: 'link',
                interval: 0.05,
                wires: [[]],
            },
            {
                id: 's',
                type: 'pi30-set',
                inverter: 'inv',
                command: 'POP',
                value: '',
                onlyIfChanged: true,
                verify: true,
                wires: [[]],
            },
            { id: 'out', type: 'helper', wires: [] },
        ];
        await load(nodes(0));
        await collector(helper.getNode('out')).until(1);
        await sleep(300);
        const children = childPids().sort();
        const baseline = openFds();
        assert.equal(tcpConnectionsTo(worker.tcpPort), 1, 'one shared connection');

        for (let round = 1; round <= 20; round++) {
            await helper.setFlows(flow(nodes(round)), 'full');
            const out = collector(helper.getNode('out'));
            await out.until(1); // each round really talks to the worker
            assert.equal(helper.getNode('inv').name, `round ${round}`);
        }
        await sleep(500); // ZeroMQ reaps closed sockets on its I/O thread
        const after = openFds();
        assert.equal(tcpConnectionsTo(worker.tcpPort), 1, 'still exactly one connection');
        assert.ok(after.socket <= baseline.socket, `sockets ${baseline.socket} -> ${after.socket}`);
        assert.ok(after.anon <= baseline.anon, `eventfd/epoll ${baseline.anon} -> ${after.anon}`);
        assert.ok(after.total <= baseline.total, `fds ${baseline.total} -> ${after.total}`);
        assert.deepEqual(childPids().sort(), children, 'no new child processes');

        await helper.setFlows(flow([]), 'full');
        await sleep(300);
        assert.equal(tcpConnectionsTo(worker.tcpPort), 0, 'flow removed: connection closed');
    });
});
