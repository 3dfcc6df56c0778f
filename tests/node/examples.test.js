'use strict';
/* Every example flow loads into Node-RED 4 with the real Home Assistant companion nodes and
 * works against a real worker. Home Assistant itself is absent: its server config gets
 * credentials pointing nowhere, as a user's import would before filling them in. */

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, allNodes, collector, PKG } = require('./support/red');
const { WorkerProcess, simUrl, waitFor } = require('../../scripts/lib/stack');
const { CatalogueIndex } = require('../../node-red-contrib-pi30/lib/catalogue');

const HA_PKG = path.dirname(
    require.resolve('node-red-contrib-home-assistant-websocket/package.json'),
);
const haModule = require(
    path.join(HA_PKG, require(path.join(HA_PKG, 'package.json'))['node-red'].nodes.all),
);
const haNodes = typeof haModule === 'function' ? haModule : haModule.default;

const EXAMPLES = path.join(PKG, 'examples');
const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
const readExample = (file) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));

/**
 * With no Home Assistant to reach, the companion retries its first connection every 5 s
 * forever (the retry is not cancelled when its server node closes) and starts a 6-hour issue
 * check that nothing clears. Both are harmless inside Node-RED but would keep mocha from
 * exiting: timers created from the companion's code are unref'd (they still run), for the
 * rest of the process since its retry loop outlives this suite. Other timers are left alone.
 */
function unrefCompanionTimers() {
    if (global.setTimeout.pi30CompanionUnref) return;
    for (const name of ['setTimeout', 'setInterval']) {
        const original = global[name];
        const wrapped = function (...args) {
            const timer = original.apply(this, args);
            if (new Error().stack.includes('node-red-contrib-home-assistant-websocket'))
                timer.unref();
            return timer;
        };
        wrapped.pi30CompanionUnref = true;
        global[name] = wrapped;
    }
}

describe('examples', function () {
    this.timeout(30000);
    let worker;
    let userDir;

    before(async () => {
        unrefCompanionTimers();
        worker = await new WorkerProcess({ port: simUrl('pi30'), protocol: 'PI30' }).start();
        userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pi30-examples-'));
        helper.settings({ userDir }); // the companion keeps a small store there
        await helper.startServer();
    });
    after(async () => {
        await helper.stopServer();
        if (worker) await worker.stop();
        fs.rmSync(userDir, { recursive: true, force: true });
    });
    afterEach(() => helper.unload());

    /** Load an example as a user would run it: our worker endpoint, HA credentials filled in. */
    async function loadExample(file) {
        const flow = readExample(file);
        const credentials = {};
        for (const n of flow) {
            if (n.type === 'pi30-inverter') n.endpoint = worker.endpoint;
            if (n.type === 'server')
                credentials[n.id] = { host: 'http://127.0.0.1:9', access_token: 'not-used' };
        }
        await helper.load([...allNodes, haNodes], flow, credentials);
        return flow;
    }

    /** Errors logged by nodes, except the companion's "no Home Assistant connection". */
    function unexpectedErrors() {
        const spy = helper.log();
        return spy.args
            .map((a) => a[0])
            .filter((e) => e && e.level <= spy.ERROR)
            .filter((e) => !/NoConnectionError/.test(JSON.stringify(e.msg)));
    }

    it('include the three flows of the issue; each has a pi30-inverter and x/y on every flow node', () => {
        for (const name of [
            'Poll status',
            'Inverter sensors to Home Assistant',
            'Control priorities from Home Assistant',
        ]) {
            assert.ok(examples.includes(`${name}.json`), name);
        }
        for (const file of examples) {
            const flow = readExample(file);
            assert.equal(flow.filter((n) => n.type === 'pi30-inverter').length, 1, file);
            for (const n of flow.filter((n) => n.z)) {
                assert.ok(Number.isFinite(n.x) && Number.isFinite(n.y), `${file}: ${n.id} has x/y`);
            }
        }
    });

    it('share one pi30-inverter, one HA server and one HA device (same ids, same settings), and no other id', () => {
        const shared = new Map(); // id -> JSON of the config node
        const owner = new Map(); // id -> example that has it
        for (const file of examples) {
            for (const n of readExample(file)) {
                if (['pi30-inverter', 'server', 'ha-device-config'].includes(n.type)) {
                    const text = JSON.stringify(n);
                    const same = [...shared.values()].find(
                        (other) => JSON.parse(other).type === n.type,
                    );
                    if (same)
                        assert.equal(
                            text,
                            same,
                            `${file}: ${n.type} is the one the other examples use`,
                        );
                    shared.set(n.id, text);
                } else {
                    assert.ok(
                        !owner.has(n.id),
                        `${file}: id ${n.id} is also in ${owner.get(n.id)}`,
                    );
                    owner.set(n.id, file);
                }
            }
        }
        const types = [...shared.values()].map((t) => JSON.parse(t).type).sort();
        assert.deepEqual(types, ['ha-device-config', 'pi30-inverter', 'server']);
    });

    it('Control priorities: a listening ha-select reaches pi30-set only through a "changed in HA" filter', () => {
        const flow = readExample('Control priorities from Home Assistant.json');
        const byId = Object.fromEntries(flow.map((n) => [n.id, n]));
        for (const sel of flow.filter((n) => n.type === 'ha-select' && n.mode === 'listen')) {
            const filter = byId[sel.wires[0][0]];
            assert.equal(filter.type, 'switch');
            assert.equal(filter.rules.length, 1);
            assert.equal(filter.rules[0].t, 'jsonata_exp');
            // the value this flow writes back is remembered right before the ha-select (set)
            const remember = flow.find(
                (n) =>
                    n.type === 'change' &&
                    n.rules.some((r) => r.pt === 'flow' && filter.rules[0].v.includes(r.p)),
            );
            const setSelect = byId[remember.wires[0][0]];
            assert.deepEqual(
                [setSelect.type, setSelect.mode, setSelect.entityConfig],
                ['ha-select', 'set', sel.entityConfig],
            );
            assert.ok(
                sel.outputProperties.some(
                    (p) => p.property === 'previousValue' && p.valueType === 'previousValue',
                ),
            );
            assert.equal(byId[filter.wires[0][0]].type, 'pi30-set');
        }
    });

    for (const file of examples) {
        it(`${file.replace(/\.json$/, '')}: loads and starts without errors`, async () => {
            const flow = await loadExample(file);
            for (const n of flow.filter((n) => n.type !== 'tab')) {
                assert.ok(helper.getNode(n.id), `${n.type} ${n.id} is running`);
            }
            await waitFor(
                () =>
                    helper.getNode(flow.find((n) => n.type === 'pi30-inverter').id).link().state ===
                    'connected',
                {
                    what: 'connected to the worker',
                },
            );
            assert.deepEqual(unexpectedErrors(), []);
        });
    }

    it('Poll status: readings reach the debug nodes', async () => {
        const flow = await loadExample('Poll status.json');
        const byName = (name) => flow.find((n) => n.name === name);
        const status = collector(helper.getNode(byName('general status').id));
        const mode = collector(helper.getNode(byName('device mode').id));
        const ratings = collector(helper.getNode(byName('ratings and settings').id));
        helper.getNode(flow.find((n) => n.type === 'inject' && n.repeat === '10').id).receive({});
        helper.getNode(flow.find((n) => n.type === 'inject' && n.topic === 'QPIRI').id).receive({});
        assert.equal(typeof (await status.until(1))[0].payload.battery_voltage, 'number');
        assert.equal(typeof (await mode.until(1))[0].payload.device_mode, 'string');
        assert.equal((await ratings.until(1))[0].topic, 'QPIRI');
        assert.deepEqual(unexpectedErrors(), []);
    });

    /** The companion's server reporting its connection ready, as its server-events node says it. */
    const haReady = (flow) =>
        helper
            .getNode(
                flow.find((n) => n.type === 'switch' && n.rules.some((r) => r.v === 'ready')).id,
            )
            .receive({ payload: 'ready', topic: 'home_assistant_client:ready' });

    it('HA examples: the entity nodes get nothing before HA is ready; then every source sends at once', async () => {
        for (const file of [
            'Inverter sensors to Home Assistant.json',
            'Control priorities from Home Assistant.json',
            'Tempo - charge ahead of red days.json',
        ]) {
            const flow = readExample(file);
            const byId = Object.fromEntries(flow.map((n) => [n.id, n]));
            const events = flow.filter((n) => n.type === 'server-events');
            assert.equal(events.length, 1, file);
            assert.equal(events[0].eventType, 'home_assistant_client', file);
            // every path from a pi30 node to an HA entity node passes the gate
            const entityTypes = ['ha-sensor', 'ha-binary-sensor', 'ha-select'];
            const gate = (n) =>
                n.type === 'switch' && n.propertyType === 'flow' && n.property === 'pi30_ha_ready';
            const walk = (id, seen = new Set()) => {
                if (seen.has(id)) return;
                seen.add(id);
                const n = byId[id];
                if (gate(n)) return;
                assert.ok(
                    !entityTypes.includes(n.type),
                    `${file}: ${n.type} ${n.name} reached without the gate`,
                );
                for (const out of n.wires || []) for (const next of out) walk(next, seen);
            };
            for (const n of flow.filter(
                (n) => n.type.startsWith('pi30-') && n.type !== 'pi30-inverter',
            ))
                walk(n.id);
            assert.ok(
                !flow.some((n) => n.type === 'inject' && n.once),
                `${file}: nothing read at deploy for HA`,
            );
        }
    });

    it('Inverter sensors to Home Assistant: fields reach their entity nodes once HA is ready; entity configs match the catalogue', async () => {
        const flow = await loadExample('Inverter sensors to Home Assistant.json');
        const byId = Object.fromEntries(flow.map((n) => [n.id, n]));
        const catalogue = CatalogueIndex.fromSnapshot('PI30');
        const meta = {
            ...catalogue.command('QPIGS').keys,
            ...catalogue.command('QMOD').keys,
            ...catalogue.command('QPIWS').keys,
        };
        const router = flow.find((n) => n.type === 'switch' && n.rules.length > 1);
        const collectors = {};
        router.rules.forEach((rule, i) => {
            const target = byId[router.wires[i][0]];
            assert.ok(['ha-sensor', 'ha-binary-sensor'].includes(target.type));
            const config = Object.fromEntries(
                byId[target.entityConfig].haConfig.map((p) => [p.property, p.value]),
            );
            assert.equal(byId[target.entityConfig].resend, true, 'resend after an HA restart');
            collectors[rule.v] = collector(helper.getNode(target.id));
            if (rule.v === 'link') {
                assert.deepEqual(
                    [target.type, config.device_class],
                    ['ha-binary-sensor', 'connectivity'],
                );
                return;
            }
            const field = meta[rule.v];
            assert.ok(field, `the catalogue has ${rule.v}`);
            if (field.type === 'bool') {
                assert.equal(target.type, 'ha-binary-sensor', rule.v);
            } else if (field.unit) {
                assert.equal(target.type, 'ha-sensor', rule.v);
                assert.equal(config.unit_of_measurement, field.unit, `${rule.v} unit`);
                assert.equal(config.device_class, field.device_class, `${rule.v} device_class`);
                assert.equal(config.state_class, field.state_class, `${rule.v} state_class`);
            }
        });
        // before HA is ready: the readings made at deploy stop at the gate
        const query = helper.getNode(
            flow.find((n) => n.type === 'pi30-query' && n.command === 'QPIGS').id,
        );
        query.receive({});
        await waitFor(() => query.polls.sent >= 1, { what: 'the first poll' });
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(collectors.battery_voltage.received.length, 0, 'nothing before HA is ready');
        haReady(flow);
        const bv = await collectors.battery_voltage.next();
        assert.equal(typeof bv.payload, 'number');
        assert.equal(bv.unit, 'V');
        assert.equal(typeof (await collectors.is_load_on.next()).payload, 'boolean');
        assert.equal(typeof (await collectors.device_mode.next()).payload, 'string');
        assert.equal(typeof (await collectors.line_fail_warning.next()).payload, 'boolean');
        assert.equal((await collectors.link.next()).payload, true);
        assert.deepEqual(unexpectedErrors(), []);
    });

    it('Start here needs nothing but this package: core and pi30 nodes; it reads, sets by label and reports the link', async () => {
        const coreTypes = new Set([
            'tab',
            'inject',
            'debug',
            'catch',
            'comment',
            'change',
            'switch',
            'function',
        ]);
        const foreign = readExample('Start here.json').filter(
            (n) => !coreTypes.has(n.type) && !n.type.startsWith('pi30-'),
        );
        assert.deepEqual(
            foreign.map((n) => n.type),
            [],
        );
        const flow = await loadExample('Start here.json');
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
        assert.equal(
            (await worker.request({ op: 'query', command: 'QPIRI' })).data.output_source_priority,
            'Solar first',
        );
        helper.getNode(flow.find((n) => n.type === 'pi30-health').id).receive({});
        await waitFor(() => link.received.some((m) => m.payload === true), { what: 'link OK' });
        await worker.request({ op: 'set', command: 'POP', value: 'SBU first' });
        assert.deepEqual(unexpectedErrors(), []);
    });

    // importing a flow with unknown node types stops every flow: the companion comes first
    for (const file of examples.filter((f) =>
        readExample(f).some((n) => /^(ha-|server|api-)/.test(n.type)),
    )) {
        it(`${file.replace(/\.json$/, '')}: a comment names the companion package to install first`, () => {
            const comments = readExample(file)
                .filter((n) => n.type === 'comment')
                .map((n) => `${n.name}\n${n.info}`);
            assert.ok(
                comments.some((c) =>
                    /Install node-red-contrib-home-assistant-websocket first/.test(c),
                ),
                comments.join('\n---\n'),
            );
        });
    }

    it('Every field to Home Assistant (MQTT): readings reach mqtt out as discovery and states; a command from mqtt in reaches pi30-set', async () => {
        const flow = await loadExample('Every field to Home Assistant (MQTT).json');
        const ha = flow.find((n) => n.type === 'pi30-ha-mqtt');
        const out = collector(helper.getNode(flow.find((n) => n.type === 'mqtt out').id));
        const mqttIn = flow.find((n) => n.type === 'mqtt in');
        assert.deepEqual(mqttIn.wires, [[ha.id]]);
        assert.equal(mqttIn.topic, `${ha.baseTopic}/+/set/+`);
        const setter = helper.getNode(ha.wires[1][0]);
        assert.equal(setter.type, 'pi30-set');
        helper
            .getNode(
                flow.find((n) => n.type === 'pi30-query' && n.command === 'QPIRI' && n.interval > 0)
                    .id,
            )
            .receive({});
        await waitFor(() => out.received.some((m) => /\/QPIRI$/.test(m.topic)), {
            what: 'QPIRI state',
        });
        const pop = out.received.find((m) => /\/select\/.*\/set_pop\/config$/.test(m.topic));
        const command = JSON.parse(pop.payload).command_topic;
        const setIn = collector(setter);
        helper.getNode(ha.id).receive({ topic: command, payload: 'SBU first' });
        const msg = await setIn.next();
        assert.deepEqual([msg.command, msg.payload], ['POP', 'SBU first']);
        assert.deepEqual(unexpectedErrors(), []);
    });

    it('Control priorities from Home Assistant: a choice in HA sets the inverter and the real value goes back', async () => {
        const flow = await loadExample('Control priorities from Home Assistant.json');
        const listen = flow.filter((n) => n.type === 'ha-select' && n.mode === 'listen');
        const set = flow.filter((n) => n.type === 'ha-select' && n.mode === 'set');
        assert.equal(listen.length, 2);
        assert.equal(set.length, 2);
        // the select options are the setters' labels in the catalogue
        const catalogue = CatalogueIndex.fromSnapshot('PI30');
        for (const sel of listen) {
            const filter = flow.find((n) => n.id === sel.wires[0][0]);
            const setter = flow.find((n) => n.id === filter.wires[0][0]);
            const options = flow
                .find((n) => n.id === sel.entityConfig)
                .haConfig.find((p) => p.property === 'options').value;
            assert.deepEqual(options, Object.values(catalogue.command(setter.command).arg.choices));
        }
        const outputBack = collector(helper.getNode(set.find((n) => /Output/.test(n.name)).id));
        haReady(flow); // the read-backs reach HA once its connection is ready
        await outputBack.next();
        const outputSelect = listen.find((n) => /Output/.test(n.name));
        helper
            .getNode(outputSelect.id)
            .send({ payload: 'Solar first', previousValue: 'SBU first' });
        await waitFor(() => outputBack.received.some((m) => m.payload === 'Solar first'), {
            what: 'value written back',
        });
        assert.equal(
            (await worker.request({ op: 'query', command: 'QPIRI' })).data.output_source_priority,
            'Solar first',
        );
        // an invalid choice is refused, and HA gets the inverter's real value back
        const before = outputBack.received.length;
        helper
            .getNode(outputSelect.id)
            .send({ payload: 'Moon first', previousValue: 'Solar first' });
        await waitFor(() => outputBack.received.length > before, {
            what: 'read-back after a refusal',
        });
        assert.equal(outputBack.received.at(-1).payload, 'Solar first');
        // the write-back reaching the listener (same value as before) goes no further
        const filter = flow.find((n) => n.id === outputSelect.wires[0][0]);
        const setterInput = collector(helper.getNode(filter.wires[0][0]));
        helper
            .getNode(outputSelect.id)
            .send({ payload: 'Solar first', previousValue: 'Solar first' });
        // the value the read-back just wrote (Solar first), arriving as a change: ours, dropped
        helper
            .getNode(outputSelect.id)
            .send({ payload: 'Solar first', previousValue: 'Moon first' });
        // the entity appearing at deploy (no earlier value): dropped
        helper
            .getNode(outputSelect.id)
            .send({ payload: 'Utility first', previousValue: 'unknown' });
        helper
            .getNode(outputSelect.id)
            .send({ payload: 'SBU first', previousValue: 'Solar first' });
        assert.equal((await setterInput.next()).payload, 'SBU first');
        assert.equal(setterInput.received.length, 1);
        await worker.request({ op: 'set', command: 'POP', value: 'SBU first' });
        assert.deepEqual(
            unexpectedErrors().filter((e) => e.type !== 'pi30-set'),
            [],
        );
    });
});
