'use strict';
/* Managed mode: the pi30-inverter config node runs `pi30-worker serve` itself. */

const assert = require('node:assert/strict');
const { helper, load, flow, inverterConfig, collector } = require('./support/red');
const {
    freePort,
    waitFor,
    sleep,
    childPids,
    pidAlive,
    openFds,
    simUrl,
    PYTHON,
} = require('../../scripts/lib/stack');
const { LIVE_CHILDREN } = require('../../node-red-contrib-pi30/lib/worker-process');

describe('pi30-inverter managed mode', function () {
    this.timeout(90000);
    let endpoint;

    before(async () => {
        endpoint = `tcp://127.0.0.1:${await freePort()}`;
        await helper.startServer();
    });
    after(() => helper.stopServer());
    afterEach(() => helper.unload());

    const managed = (extra) =>
        inverterConfig(endpoint, {
            protocol: 'PI30',
            managed: true,
            python: PYTHON,
            serialPort: simUrl('pi30'),
            ...extra,
        });
    const nodes = (extra) => [
        managed(extra),
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
            id: 's',
            type: 'pi30-set',
            inverter: 'inv',
            command: '',
            value: '',
            onlyIfChanged: true,
            verify: true,
            wires: [['sout']],
        },
        { id: 'sout', type: 'helper', wires: [] },
        { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper', wires: [] },
    ];

    it('starts its worker, routes its log, restarts it with backoff, and stops it with the flow', async () => {
        const before = childPids();
        await load(nodes({ readOnly: true, allowSet: 'pbt' }));
        const inv = helper.getNode('inv');
        const out = collector(helper.getNode('out'));
        await out.until(1, 20000);
        const pid = inv.worker.pid;
        assert.ok(pid && childPids().includes(pid), 'the worker is our child');
        assert.ok(!before.includes(pid));
        const args = require('node:fs').readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        // -P: the worker never comes from Node-RED's current directory
        assert.deepEqual(args.slice(1, 10), [
            '-P',
            '-m',
            'pyworker.cli',
            'serve',
            '--port',
            simUrl('pi30'),
            '--bind',
            endpoint,
            '--protocol',
        ]);
        assert.ok(args.includes('--read-only') && args.includes('PBT'), args.join(' '));
        // its log lines arrive in the Node-RED log, tagged
        await waitFor(
            () =>
                helper
                    .log()
                    .args.some(
                        (a) => a[0] && /^\[pi30-worker\] .*listening on/.test(String(a[0].msg)),
                    ),
            { what: 'worker log line' },
        );
        // read-only reached the worker
        const err = collector(helper.getNode('err'));
        helper.getNode('s').receive({ command: 'POP', payload: 'Solar first' });
        assert.equal((await err.until(1)).at(-1).error.code, 'NOT_ALLOWED');

        // crash: the node notices, restarts it after its backoff, and readings resume
        process.kill(pid, 'SIGKILL');
        const crashedAt = Date.now();
        const newPid = await waitFor(
            () => inv.worker.pid && inv.worker.pid !== pid && inv.worker.pid,
            {
                timeoutMs: 10000,
                what: 'a new worker',
            },
        );
        assert.ok(Date.now() - crashedAt >= 900, 'restarted after the backoff delay, not at once');
        assert.equal(inv.worker.restarts, 1);
        const readings = out.received.length;
        await out.until(readings + 2, 20000);
        assert.ok(!pidAlive(pid));

        await helper.unload();
        assert.ok(!pidAlive(newPid), 'stopped with the flow');
        assert.deepEqual(childPids().sort(), before.sort(), 'no process left');
        assert.equal(LIVE_CHILDREN.size, 0);
    });

    it('a missing interpreter is reported and retried, never crashes Node-RED', async () => {
        // nothing to fall back on: no virtualenv, an empty PATH (python3 there may run the worker)
        const saved = { PATH: process.env.PATH, VIRTUAL_ENV: process.env.VIRTUAL_ENV };
        process.env.PATH = '';
        delete process.env.VIRTUAL_ENV;
        try {
            await load([managed({ python: '/nonexistent/python3' })]);
            const errors = () =>
                helper
                    .log()
                    .args.filter((a) => a[0] && a[0].level === helper.log().ERROR)
                    .map((a) => String(a[0].msg));
            await waitFor(() => errors().some((m) => /\/nonexistent\/python3: not found/.test(m)), {
                what: 'error in the log',
            });
            assert.match(
                errors().join('\n'),
                /no Python can run pi30-worker.*\n.*python3: not found/s,
            );
            assert.equal(helper.getNode('inv').worker.pid, null);
            // retried: the search runs again after the backoff delay
            await waitFor(() => helper.getNode('inv').worker.restarts >= 1, {
                timeoutMs: 5000,
                what: 'a retry',
            });
            await helper.unload();
        } finally {
            process.env.PATH = saved.PATH;
            if (saved.VIRTUAL_ENV !== undefined) process.env.VIRTUAL_ENV = saved.VIRTUAL_ENV;
        }
        assert.equal(LIVE_CHILDREN.size, 0);
    });

    it('20 redeploys of a managed flow leave no worker process and no sockets', async () => {
        await load(nodes());
        await collector(helper.getNode('out')).until(1, 20000);
        await sleep(300);
        const baseline = openFds();
        const pids = new Set([helper.getNode('inv').worker.pid]);
        for (let round = 1; round <= 20; round++) {
            await helper.setFlows(flow(nodes({ name: `round ${round}` })), 'full');
            await collector(helper.getNode('out')).until(1, 20000);
            pids.add(helper.getNode('inv').worker.pid);
        }
        assert.equal(pids.size, 21, 'each deploy ran its own worker');
        const last = helper.getNode('inv').worker.pid;
        for (const pid of pids)
            if (pid !== last) assert.ok(!pidAlive(pid), `worker ${pid} stopped`);
        assert.deepEqual(childPids(), [last], 'only the current worker runs');
        await sleep(500);
        const after = openFds();
        assert.ok(after.socket <= baseline.socket, `sockets ${baseline.socket} -> ${after.socket}`);
        assert.ok(after.total <= baseline.total, `fds ${baseline.total} -> ${after.total}`);

        await helper.setFlows(flow([]), 'full');
        assert.ok(!pidAlive(last));
        assert.deepEqual(childPids(), []);
    });
});
