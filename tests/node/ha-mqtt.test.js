'use strict';
/* pi30-ha-mqtt ("HA device") against real workers on the simulator: every field of every
 * polled command becomes one discovery config of one device, valid against Home Assistant's
 * documented MQTT discovery schema, with the catalogue's metadata; commands from HA reach
 * pi30-set and change the simulated unit; removed fields lose their entity. */

const assert = require('node:assert/strict');
const { helper, load, inverterConfig, collector } = require('./support/red');
const { WorkerProcess, simUrl, waitFor } = require('../../scripts/lib/stack');
const { problems } = require('./support/ha-mqtt-schema');
const { CatalogueIndex } = require('../../node-red-contrib-pi30/lib/catalogue');

// every query a flow can poll without an argument, in the catalogue the worker serves
function pollable(protocol) {
    return CatalogueIndex.fromSnapshot(protocol)
        .queries()
        .filter((c) => !c.arg_pattern)
        .map((c) => c.name);
}

function haFlow(endpoint, protocol, commands, extra = {}) {
    return [
        inverterConfig(endpoint, { protocol }),
        ...commands.map((command, i) => ({
            id: `q${i}`,
            type: 'pi30-query',
            inverter: 'inv',
            command,
            interval: 0,
            output: 'object',
            wires: [['ha']],
        })),
        {
            id: 'health',
            type: 'pi30-health',
            inverter: 'inv',
            output: 'link',
            interval: 0,
            wires: [['ha']],
        },
        {
            id: 'ha',
            type: 'pi30-ha-mqtt',
            inverter: 'inv',
            deviceName: 'Inverter',
            discoveryPrefix: 'homeassistant',
            baseTopic: 'pi30',
            commands: '',
            exclude: 'reserved_*, not_used',
            expireAfter: 0,
            controls: true,
            wires: [['mqtt'], ['set']],
            ...extra,
        },
        {
            id: 'set',
            type: 'pi30-set',
            inverter: 'inv',
            command: '',
            value: '',
            onlyIfChanged: true,
            verify: true,
            wires: [['setOut']],
        },
        { id: 'mqtt', type: 'helper', wires: [] },
        { id: 'setOut', type: 'helper', wires: [] },
        { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper', wires: [] },
    ];
}

/** Poll every command once through its pi30-query node; resolve when all states are out. */
async function pollAll(mqtt, commands) {
    for (let i = 0; i < commands.length; i += 1) helper.getNode(`q${i}`).receive({});
    const missing = () => {
        const states = mqtt.received
            .map((m) => m.topic)
            .filter((t) => /^pi30\/[^/]+\/[A-Z0-9]+$/.test(t));
        return commands.filter((c) => !states.some((t) => t.endsWith(`/${c}`)));
    };
    try {
        await waitFor(() => missing().length === 0, {
            timeoutMs: 20000,
            what: 'a state message per command',
        });
    } catch (err) {
        const errors = helper
            .log()
            .args.map((a) => a[0])
            .filter((e) => e && e.level <= 20)
            .map((e) => JSON.stringify(e.msg));
        throw new Error(`${err.message}; missing ${missing()}; errors ${errors.slice(0, 5)}`, {
            cause: err,
        });
    }
}

function configs(mqtt) {
    const out = new Map();
    for (const m of mqtt.received)
        if (m.topic.endsWith('/config'))
            out.set(m.topic, m.payload === '' ? null : JSON.parse(m.payload));
    return out;
}

for (const protocol of ['PI30', 'PI30MAX']) {
    describe(`pi30-ha-mqtt on a ${protocol} unit`, function () {
        this.timeout(40000);
        let worker;
        const commands = pollable(protocol);

        before(async () => {
            worker = await new WorkerProcess({
                port: simUrl(protocol.toLowerCase()),
                protocol,
            }).start();
            await helper.startServer();
        });
        after(async () => {
            await helper.stopServer();
            if (worker) await worker.stop();
        });
        afterEach(() => helper.unload());

        it('publishes one device whose entities are every field, valid for HA, with the catalogue metadata', async () => {
            await load(haFlow(worker.endpoint, protocol, commands));
            const mqtt = collector(helper.getNode('mqtt'));
            await waitFor(
                () =>
                    helper.getNode('inv').link().state === 'connected' &&
                    helper.getNode('inv').health,
                { what: 'connected' },
            );
            await pollAll(mqtt, commands);
            const all = configs(mqtt);
            const identity = (await worker.request({ op: 'health' })).device;
            const deviceId = `pi30_${identity.serial}`.toLowerCase();
            const catalogue = CatalogueIndex.fromSnapshot(protocol);
            const perCommand = {};
            for (const [topic, config] of all) {
                const [prefix, component, node, objectId, last] = topic.split('/');
                assert.deepEqual(
                    [prefix, node, last],
                    ['homeassistant', deviceId, 'config'],
                    topic,
                );
                assert.deepEqual(problems(component, config), [], topic);
                assert.deepEqual(config.device.identifiers, [deviceId]);
                assert.equal(config.device.serial_number, identity.serial);
                assert.equal(config.device.model, identity.model);
                assert.equal(config.device.sw_version, identity.firmware);
                if (objectId === 'link') continue;
                assert.deepEqual(config.availability, [{ topic: `pi30/${deviceId}/availability` }]);
                const command = objectId.startsWith('set_')
                    ? catalogue.command(objectId.slice(4)).readback.query
                    : objectId.split('_')[0].toUpperCase();
                perCommand[command] = (perCommand[command] || 0) + 1;
                if (component === 'sensor' || component === 'binary_sensor') {
                    const key = objectId.slice(command.length + 1);
                    const meta = catalogue.command(command).keys[key];
                    assert.ok(meta, `${command}.${key} is a served key`);
                    if (meta.type === 'list') {
                        // lists (QPIWS active_warnings): one text
                        assert.equal(component, 'sensor', key);
                        assert.match(config.value_template, /join/);
                        assert.equal(config.unit_of_measurement, undefined);
                    }
                    assert.equal(config.name, meta.label);
                    if (meta.type === 'bool') assert.equal(component, 'binary_sensor');
                    if (meta.device_class === 'enum')
                        assert.deepEqual(config.options, meta.options);
                    if (meta.unit && ['float', 'int'].includes(meta.type)) {
                        assert.equal(config.unit_of_measurement, meta.unit, key);
                        assert.equal(config.device_class, meta.device_class, key);
                        assert.equal(config.state_class, meta.state_class, key);
                    }
                }
            }
            // every decoded field (except the reserved ones) has an entity
            for (const command of commands) {
                const reply = await worker.request({ op: 'query', command, max_age_ms: 60000 });
                for (const key of Object.keys(reply.data)) {
                    if (/^reserved_|^not_used$/.test(key)) continue;
                    const objectId = `${command}_${key}`.toLowerCase();
                    assert.ok(
                        [...all.keys()].some((t) => t.split('/')[3] === objectId),
                        `${command}.${key} has an entity`,
                    );
                }
            }
            // the QPIWS warnings and faults are problems; ENERGY is ready for the Energy dashboard
            const fault = all.get(
                `homeassistant/binary_sensor/${deviceId}/qpiws_inverter_fault/config`,
            );
            assert.equal(fault.device_class, 'problem');
            const link = all.get(`homeassistant/binary_sensor/${deviceId}/link/config`);
            assert.deepEqual(
                [link.device_class, link.state_topic],
                ['connectivity', `pi30/${deviceId}/availability`],
            );
            const pv = all.get(`homeassistant/sensor/${deviceId}/energy_pv_energy/config`);
            assert.deepEqual(
                [pv.unit_of_measurement, pv.device_class, pv.state_class],
                ['kWh', 'energy', 'total_increasing'],
            );
            // the settings: selects with the unit's choices, numbers within the allowed values
            const pop = all.get(`homeassistant/select/${deviceId}/set_pop/config`);
            assert.deepEqual(pop.options, Object.values(catalogue.command('POP').arg.choices));
            assert.equal(pop.command_topic, `pi30/${deviceId}/set/POP`);
            // currents: only the unit's own values (2, 10, 20...: not evenly spaced, so a select)
            const options = (await worker.request({ op: 'query', command: 'QMUCHGCR' })).data
                .max_ac_charging_current_options;
            const muchgc = all.get(`homeassistant/select/${deviceId}/set_muchgc/config`);
            assert.deepEqual(
                muchgc.options,
                options.map((v) => String(v)),
            );
            assert.match(
                muchgc.value_template,
                /'%g' \| format\(value_json\.max_ac_charging_current \| float\)/,
            );
            assert.ok(
                !all.get(`homeassistant/number/${deviceId}/set_muchgc/config`),
                'no number offering refused currents',
            );
            // evenly spaced values: a number whose every step is an allowed value
            const pbcv = all.get(`homeassistant/number/${deviceId}/set_pbcv/config`);
            const allowed = catalogue
                .command('PBCV')
                .values_by_voltage['48'].map((v) => Number(v.value));
            const offered = [];
            for (let v = pbcv.min; v <= pbcv.max + 1e-9; v += pbcv.step)
                offered.push(Math.round(v * 10) / 10);
            assert.deepEqual(offered, allowed);
            // 0 or 48 ... 58: a select
            const pbdv = all.get(`homeassistant/select/${deviceId}/set_pbdv/config`);
            assert.equal(pbdv.options[0], '0');
            assert.ok(
                ![...all.keys()].some((t) => /set_(pf|pbt|f|psave|dat)\//.test(t)),
                'no dangerous setter',
            );
            // states are retained JSON of the whole answer
            const state = mqtt.received.find((m) => m.topic === `pi30/${deviceId}/QPIGS`);
            assert.equal(state.retain, true);
            assert.equal(typeof JSON.parse(state.payload).battery_voltage, 'number');
            console.log(
                `      ${protocol}: ${all.size} entities; per command ${JSON.stringify(perCommand)}`,
            );
        });

        it('a select changed in HA goes to pi30-set and changes the unit; a refused one changes nothing', async () => {
            await load(haFlow(worker.endpoint, protocol, ['QPIRI']));
            const mqtt = collector(helper.getNode('mqtt'));
            await waitFor(() => helper.getNode('inv').health, { what: 'health' });
            const setOut = collector(helper.getNode('setOut'));
            const errors = collector(helper.getNode('err'));
            await pollAll(mqtt, ['QPIRI']);
            const deviceId =
                `pi30_${(await worker.request({ op: 'health' })).device.serial}`.toLowerCase();
            const choices = Object.values(
                CatalogueIndex.fromSnapshot(protocol).command('POP').arg.choices,
            );
            const before = (await worker.request({ op: 'query', command: 'QPIRI' })).data
                .output_source_priority;
            const target = choices.find((c) => c !== before);
            helper
                .getNode('ha')
                .receive({ topic: `pi30/${deviceId}/set/POP`, payload: Buffer.from(target) });
            assert.equal((await setOut.next()).payload.ok, true);
            assert.equal(
                (await worker.request({ op: 'query', command: 'QPIRI' })).data
                    .output_source_priority,
                target,
            );
            // a number: the AC charging current
            helper.getNode('ha').receive({ topic: `pi30/${deviceId}/set/MUCHGC`, payload: '10' });
            assert.equal((await setOut.next()).payload.ok, true);
            assert.equal(
                (await worker.request({ op: 'query', command: 'QPIRI' })).data
                    .max_ac_charging_current,
                10,
            );
            helper
                .getNode('ha')
                .receive({ topic: `pi30/${deviceId}/set/POP`, payload: 'Moon first' });
            const err = await errors.next();
            assert.equal(err.error.source.type, 'pi30-set');
            assert.equal(
                (await worker.request({ op: 'query', command: 'QPIRI' })).data
                    .output_source_priority,
                target,
            );
            // another device's command topic is not ours
            helper
                .getNode('ha')
                .receive({ topic: 'pi30/someone_else/set/POP', payload: 'Solar first' });
            await worker.request({ op: 'set', command: 'POP', value: before });
        });

        it('availability follows the link; a field left out loses its entity (empty retained config)', async () => {
            await load(haFlow(worker.endpoint, protocol, ['QPIGS']));
            let mqtt = collector(helper.getNode('mqtt'));
            await waitFor(() => helper.getNode('inv').health, { what: 'health' });
            helper.getNode('health').receive({});
            await pollAll(mqtt, ['QPIGS']);
            const deviceId =
                `pi30_${(await worker.request({ op: 'health' })).device.serial}`.toLowerCase();
            const availability = `pi30/${deviceId}/availability`;
            assert.equal(
                mqtt.received.filter((m) => m.topic === availability).at(-1)?.payload,
                'online',
            );
            helper
                .getNode('ha')
                .receive({ topic: 'link', payload: false, health: helper.getNode('inv').health });
            await waitFor(
                () =>
                    mqtt.received.filter((m) => m.topic === availability).at(-1).payload ===
                    'offline',
                { what: 'offline' },
            );
            const bv = `homeassistant/sensor/${deviceId}/qpigs_battery_voltage/config`;
            assert.ok(configs(mqtt).get(bv));
            // redeploy with battery_voltage left out: its entity is removed, the others stay
            const flow = haFlow(worker.endpoint, protocol, ['QPIGS'], {
                exclude: 'reserved_*, not_used, QPIGS.battery_voltage',
            });
            const context = helper.getNode('ha').context().get('pi30HaPublished');
            assert.ok(context.includes(bv));
            await helper.unload();
            await load(flow);
            // what a redeploy keeps: the node's context (the test helper starts from a blank one)
            helper.getNode('ha').context().set('pi30HaPublished', context);
            mqtt = collector(helper.getNode('mqtt'));
            await pollAll(mqtt, ['QPIGS']);
            const removed = mqtt.received.filter((m) => m.topic === bv);
            assert.deepEqual(
                removed.map((m) => [m.payload, m.retain]),
                [['', true]],
            );
            assert.ok(
                configs(mqtt).get(`homeassistant/sensor/${deviceId}/qpigs_battery_capacity/config`),
            );
            assert.ok(!helper.getNode('ha').context().get('pi30HaPublished').includes(bv));
        });
    });
}
