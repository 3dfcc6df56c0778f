'use strict';
/**
 * The whole stack as a user runs it: the simulator on a pseudo-terminal (paced like a
 * 2400-baud line), a pi30-worker process serving it, a Node-RED process with
 * node-red-contrib-pi30 installed from its packed tarball. Flows are deployed through the
 * Admin API; results come back through http-in endpoints. The simulator's control endpoint and
 * the worker's audit log say what really reached the inverter.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../../scripts/lib/stack');

const TAB = 'fullstack';
const AUDIT = path.join(h.ARTIFACTS, 'fullstack-audit.jsonl');

/** http-in -> node -> http response; failures through a Catch node as {ok: false, code}. */
function flows(endpoint) {
    const node = (n) => ({ z: TAB, x: 100 + (n.x || 0), y: 100 + (n.y || 0), ...n });
    const reply = (id, x, y) =>
        node({ id, type: 'http response', statusCode: '', headers: {}, x, y, wires: [] });
    const record = (what) =>
        "const s = flow.get('state') || {polls: 0, lastPoll: null, links: [], pollErrors: []};\n" +
        what +
        "\nflow.set('state', s);";
    return [
        { id: TAB, type: 'tab', label: 'full stack' },
        {
            id: 'inv',
            type: 'pi30-inverter',
            name: 'sim',
            endpoint,
            timeout: 10000,
            protocol: 'PI30MAX',
            managed: false,
        },
        // GET /query?command=X
        node({
            id: 'q-in',
            type: 'http in',
            url: '/query',
            method: 'get',
            upload: false,
            wires: [['q-cmd']],
        }),
        node({
            id: 'q-cmd',
            type: 'function',
            x: 150,
            func: 'msg.command = msg.req.query.command;\nreturn msg;',
            outputs: 1,
            wires: [['query']],
        }),
        node({
            id: 'query',
            type: 'pi30-query',
            x: 300,
            inverter: 'inv',
            command: '',
            interval: 0,
            output: 'object',
            maxAge: 0,
            wires: [['q-ok']],
        }),
        node({
            id: 'q-ok',
            type: 'function',
            x: 450,
            func: 'msg.payload = {ok: true, topic: msg.topic, data: msg.payload, units: msg.units, pi30: msg.pi30};\nreturn msg;',
            outputs: 1,
            wires: [['q-out']],
        }),
        reply('q-out', 600, 0),
        // POST /set {command, value}
        node({
            id: 's-in',
            type: 'http in',
            y: 80,
            url: '/set',
            method: 'post',
            upload: false,
            wires: [['s-cmd']],
        }),
        node({
            id: 's-cmd',
            type: 'function',
            x: 150,
            y: 80,
            func: 'msg.command = msg.payload.command;\nmsg.payload = msg.payload.value;\nreturn msg;',
            outputs: 1,
            wires: [['set']],
        }),
        node({
            id: 'set',
            type: 'pi30-set',
            x: 300,
            y: 80,
            inverter: 'inv',
            command: '',
            value: '',
            onlyIfChanged: true,
            verify: true,
            wires: [['s-out']],
        }),
        reply('s-out', 450, 80),
        // failures of /query and /set
        node({
            id: 'catch',
            type: 'catch',
            y: 160,
            scope: ['query', 'set'],
            uncaught: false,
            wires: [['c-fn']],
        }),
        node({
            id: 'c-fn',
            type: 'function',
            x: 150,
            y: 160,
            outputs: 1,
            wires: [['c-out']],
            func:
                "const e = msg.error || {};\nconst code = e.code || String(e.message).split(':')[0];\n" +
                'msg.payload = {ok: false, code, message: e.message};\nreturn msg;',
        }),
        reply('c-out', 300, 160),
        // background polling and link state, recorded in flow context
        node({
            id: 'poll',
            type: 'pi30-query',
            y: 240,
            inverter: 'inv',
            command: 'QPIGS',
            interval: 1,
            output: 'object',
            maxAge: 0,
            wires: [['p-rec']],
        }),
        node({
            id: 'p-rec',
            type: 'function',
            x: 200,
            y: 240,
            outputs: 0,
            wires: [],
            func: record('s.polls += 1;\ns.lastPoll = Date.now();'),
        }),
        node({
            id: 'p-catch',
            type: 'catch',
            y: 300,
            scope: ['poll'],
            uncaught: false,
            wires: [['p-err']],
        }),
        node({
            id: 'p-err',
            type: 'function',
            x: 200,
            y: 300,
            outputs: 0,
            wires: [],
            func: record("s.pollErrors.push(String(msg.error.message).split(':')[0]);"),
        }),
        node({
            id: 'health',
            type: 'pi30-health',
            y: 360,
            inverter: 'inv',
            output: 'link',
            interval: 1,
            wires: [['h-rec']],
        }),
        node({
            id: 'h-rec',
            type: 'function',
            x: 200,
            y: 360,
            outputs: 0,
            wires: [],
            func: record(
                'if (s.links[s.links.length - 1] !== msg.payload) s.links.push(msg.payload);',
            ),
        }),
        node({
            id: 'st-in',
            type: 'http in',
            y: 420,
            url: '/state',
            method: 'get',
            upload: false,
            wires: [['st-fn']],
        }),
        node({
            id: 'st-fn',
            type: 'function',
            x: 150,
            y: 420,
            outputs: 1,
            wires: [['st-out']],
            func: "msg.payload = flow.get('state') || {polls: 0, lastPoll: null, links: [], pollErrors: []};\nreturn msg;",
        }),
        reply('st-out', 300, 420),
    ];
}

describe('full stack: Node-RED + pi30-worker + simulator on a pty', function () {
    this.timeout(5 * 60e3);
    let sim;
    let worker;
    let red;
    const query = (command) => h.getJson(`${red.url}/query?command=${encodeURIComponent(command)}`);
    const set = (command, value) => h.postJson(`${red.url}/set`, { command, value });
    const status = () => h.simCall(sim.control, { op: 'status' });
    const state = () => h.getJson(`${red.url}/state`);
    const startWorker = (name) =>
        h.startWorker({
            name,
            port: sim.device,
            protocol: 'PI30MAX',
            endpoint: worker && worker.endpoint,
            args: ['--audit-log', AUDIT],
        });

    before(async function () {
        fs.rmSync(AUDIT, { force: true });
        // paced like a real 2400-baud line; the simulated clock stands still unless stepped
        sim = await h.startSim({
            name: 'fullstack-sim',
            args: ['--speed', '0', '--seed', '11', '--start', '2026-06-21T13:00'],
        });
        worker = await startWorker('fullstack-worker');
        const userDir = h.prepareUserDir(path.join(h.ARTIFACTS, 'nr-fullstack'));
        red = await h.startNodeRed({ name: 'fullstack-node-red', userDir });
        await h.deploy(red.url, flows(worker.endpoint), { readyPath: '/state' });
        await h.waitFor(async () => (await state()).polls > 0, { what: 'the first poll' });
    });

    after(async function () {
        await h.stopAll();
    });

    it('query: a flow reads QPIGS and QMOD decoded, equal to what the simulated unit has', async function () {
        const before = (await status()).transactions.QPIGS || 0;
        const counters = async () =>
            (await h.zmqCall(worker.endpoint, { op: 'health' })).counters.coalesced || 0;
        const coalescedBefore = await counters();
        const reply = await query('QPIGS');
        const sim = (await status()).state;
        assert.equal(reply.ok, true);
        assert.equal(reply.topic, 'QPIGS');
        assert.equal(reply.pi30.cached, false);
        assert.equal(reply.data.battery_capacity, Math.round(sim.soc));
        assert.ok(
            Math.abs(reply.data.ac_output_active_power - sim.load_w) <= 1,
            `load ${reply.data.ac_output_active_power} vs ${sim.load_w}`,
        );
        assert.equal(reply.units.battery_voltage, 'V');
        // a transaction of its own, or it joined the poll's QPIGS already on the wire
        assert.ok(
            ((await status()).transactions.QPIGS || 0) > before ||
                (await counters()) > coalescedBefore,
            'the query went to the wire',
        );
        const mode = await query('QMOD');
        assert.equal(mode.data.device_mode, { B: 'Battery', L: 'Line' }[sim.mode]);
    });

    it('query: an unknown command and an unsupported one come back as error codes, never as readings', async function () {
        const unknown = await query('QXYZ');
        assert.equal(unknown.ok, false);
        assert.equal(unknown.code, 'UNKNOWN_COMMAND');
        const sent = Object.keys((await status()).transactions);
        assert.ok(
            !sent.includes('QXYZ') && !sent.includes('<invalid>'),
            `nothing was sent for it: ${sent}`,
        );
        const setterAsQuery = await query('POP');
        assert.equal(setterAsQuery.ok, false);
        assert.equal(setterAsQuery.code, 'INVALID_REQUEST');
    });

    it('set: output priority changes on the unit, reads back, is audited, and the unit changes mode', async function () {
        const original = (await status()).settings.output_source_priority;
        assert.equal(original, 2, 'the simulated unit starts in SBU');
        const written = await set('POP', 'Utility first');
        assert.deepEqual(written, {
            ok: true,
            command: 'POP',
            sent: 'POP00',
            changed: true,
            verified: true,
        });
        assert.equal((await status()).settings.output_source_priority, 0);
        const settings = await query('QPIRI');
        assert.equal(settings.data.output_source_priority, 'Utility Solar Battery');
        // one simulated minute later the unit runs from the line
        await h.simCall(sim.control, { op: 'clock', step_s: 60 });
        assert.equal((await query('QMOD')).data.device_mode, 'Line');
        const audit = fs
            .readFileSync(AUDIT, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l));
        const entry = audit.find((a) => a.command === 'POP' && a.sent === 'POP00');
        assert.ok(entry, 'the write is in the audit log');
        assert.equal(entry.outcome, 'changed');
        assert.match(entry.source, /^node-red:pi30-set:/);
    });

    it('set: the same value again writes nothing; invalid and dangerous values are refused before the wire', async function () {
        const pops = (await status()).transactions.POP || 0;
        const again = await set('POP', 'Utility first');
        assert.deepEqual(again, {
            ok: true,
            command: 'POP',
            sent: null,
            changed: false,
            verified: true,
        });
        assert.equal((await status()).transactions.POP || 0, pops, 'no second POP frame');

        const steps = (await query('QMUCHGCR')).data.max_ac_charging_current_options;
        const invalid = await set('MUCHGC', 25);
        assert.equal(invalid.ok, false);
        assert.equal(invalid.code, 'INVALID_VALUE');
        assert.match(
            invalid.message,
            new RegExp(steps.join(', ')),
            "the message lists the unit's own values",
        );
        const dangerous = await set('PF');
        assert.equal(dangerous.code, 'NOT_ALLOWED');
        const counters = (await status()).transactions;
        assert.equal(counters.MUCHGC, undefined);
        assert.equal(counters.PF, undefined);

        const back = await set('POP', 'SBU first');
        assert.equal(back.sent, 'POP02');
        assert.equal((await query('QPIRI')).data.output_source_priority, 'Solar Battery Utility');
    });

    it('a second worker on the same port is refused the port; the first keeps serving', async function () {
        const second = await h.startWorker({
            name: 'fullstack-second-worker',
            port: sim.device,
            protocol: 'PI30MAX',
            waitConnected: false,
        });
        try {
            const health = await h.zmqCall(second.endpoint, { op: 'health' });
            assert.notEqual(health.port.state, 'connected');
            assert.equal(health.port.last_error.code, 'PORT_UNAVAILABLE');
            const failed = await h.zmqCall(second.endpoint, { op: 'query', command: 'QMOD' });
            assert.equal(failed.ok, false);
            assert.equal(failed.error.code, 'PORT_UNAVAILABLE');
            assert.equal((await query('QMOD')).ok, true);
        } finally {
            await h.stopChild(second.child);
        }
    });

    it('worker restart: nodes report WORKER_UNREACHABLE at once (once per streak), then recover without a redeploy', async function () {
        const polling = await state();
        assert.ok(polling.polls > 0);
        assert.deepEqual(polling.links.slice(-1), [true]);

        await h.stopChild(worker.child);
        const started = Date.now();
        const down = await query('QPIGS');
        assert.equal(down.ok, false);
        assert.equal(down.code, 'WORKER_UNREACHABLE');
        assert.ok(
            Date.now() - started < 5000,
            `failed fast (${Date.now() - started} ms), not after a timeout`,
        );
        const during = await h.waitFor(
            async () => {
                const s = await state();
                return s.links[s.links.length - 1] === false && s.pollErrors.length > 0 ? s : null;
            },
            { what: 'the link to be reported down' },
        );
        const pollsWhileDown = during.polls;
        await h.sleep(3000); // several failing polls
        const stillDown = await state();
        assert.equal(stillDown.polls, pollsWhileDown, 'no reading while the worker is down');
        assert.deepEqual(
            stillDown.pollErrors,
            ['WORKER_UNREACHABLE'],
            'one report for the whole streak',
        );

        worker = await startWorker('fullstack-worker-restarted');
        const recovered = await h.waitFor(
            async () => {
                const s = await state();
                return s.polls > pollsWhileDown && s.links[s.links.length - 1] === true ? s : null;
            },
            { what: 'polling to resume', timeoutMs: 30000 },
        );
        assert.ok(recovered.lastPoll > started);
        const reply = await query('QPIGS');
        assert.equal(reply.ok, true);
        assert.equal(typeof reply.data.battery_voltage, 'number');
        assert.equal((await set('PCP', 'Solar + Utility')).ok, true, 'setters work again too');
    });
});
