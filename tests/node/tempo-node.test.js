'use strict';
// pi30-tempo in the real Node-RED runtime (test helper): routing of Home Assistant-shaped
// messages by topic and property, units, the QPIGS/QT shortcuts, and the two outputs.
const assert = require('node:assert/strict');
const path = require('node:path');
const helper = require('node-red-node-test-helper');

helper.init(require.resolve('node-red'));
const tempoNode = require(path.resolve(__dirname, '..', '..', 'node-red-contrib-pi30', 'nodes', 'pi30-tempo.js'));

const TAB = 'tempo-tab';

function flow(planner) {
    return [
        { id: TAB, type: 'tab', label: 'tempo' },
        {
            id: 'p', type: 'pi30-tempo', z: TAB, name: 'planner', wires: [['settings'], ['decisions']],
            capacityKwh: 10, reserveSoc: 20, maxSoc: 95, hpUseRed: 9, minInterval: 30, topicClock: 'QT',
            topicTomorrow: 'sensor.tempo', propTomorrow: 'data.new_state.attributes.tomorrow_color',
            ...planner,
        },
        { id: 'settings', type: 'helper', z: TAB },
        { id: 'decisions', type: 'helper', z: TAB },
    ];
}

function collect(node) {
    const got = [];
    node.on('input', (msg) => got.push(msg));
    return got;
}

describe('pi30-tempo node', function () {
    beforeEach(async function () {
        await helper.startServer();
    });
    afterEach(async function () {
        await helper.unload();
        await helper.stopServer();
    });

    it('routes HA messages by topic and property and emits settings for pi30-set', async function () {
        await helper.load(tempoNode, flow({}));
        const planner = helper.getNode('p');
        const settings = collect(helper.getNode('settings'));
        const decisions = collect(helper.getNode('decisions'));
        // the clock comes from a pi30-query of QT (object mode), the SOC from QPIGS
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-14T22:10:00' } });
        planner.receive({
            topic: 'sensor.tempo', payload: 'on',
            data: { new_state: { state: 'on', attributes: { today_color: 'blue', tomorrow_color: 'red' } } },
        });
        planner.receive({
            topic: 'sensor.energy_production_tomorrow', payload: '3100',
            data: { new_state: { attributes: { unit_of_measurement: 'Wh' } } },
        });
        planner.receive({ topic: 'QPIGS', payload: { battery_capacity: 40, battery_voltage: 51.2 } });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const charge = decisions.find((m) => m.payload === 'charge');
        assert.ok(charge, JSON.stringify(decisions.map((m) => m.reason)));
        assert.match(charge.reason, /HC before a red day: forecast 3\.1 kWh < expected use 9\.0 kWh/);
        const commands = settings.slice(-3).map((m) => [m.command, m.payload]);
        assert.deepEqual(commands, [['POP', 'Utility first'], ['PCP', 'Utility first'], ['MUCHGC', 20]]);
        assert.equal(settings[settings.length - 1].topic, 'max_ac_charging_current');
        assert.match(settings[settings.length - 1].reason, /charging from 40 % to 79 % at 20 A/);
    });

    it('waits for inputs after a deploy, then says fail-safe when they never come', async function () {
        await helper.load(tempoNode, flow({}));
        const planner = helper.getNode('p');
        const settings = collect(helper.getNode('settings'));
        const decisions = collect(helper.getNode('decisions'));
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T10:00:00' } });
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T10:01:00' } });
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(decisions.map((m) => m.payload), ['waiting']);
        assert.deepEqual(settings, [], 'nothing written while inputs are still arriving');
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T10:06:00' } });
        planner.receive({ topic: 'QT', payload: { device_time: '2026-01-15T10:07:00' } });
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(decisions.map((m) => m.payload), ['waiting', 'failsafe']);
        assert.match(decisions[1].reason, /no fresh colour for 2026-01-15, battery SOC/);
        assert.deepEqual(settings.map((m) => [m.command, m.payload]), [['POP', 'SBU first'], ['PCP', 'Only solar charging permitted']]);
    });
});
